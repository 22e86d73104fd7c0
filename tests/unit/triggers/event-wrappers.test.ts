// The S3 notification and schedule wrappers, fed AWS's sample events: the parsed event reaches the
// handler; anything else fails the invocation before the handler runs.
import { metrics } from '../../../shared/observability';
import { decodeS3Key, s3Notification } from '../../../shared/triggers/s3-notification';
import { scheduled } from '../../../shared/triggers/schedule';
import s3Sample from '../../fixtures/events/s3-event.json';
import scheduleSample from '../../fixtures/events/eventbridge-scheduled-event.json';
import sqsSample from '../../fixtures/events/sqs-event.json';
import { lambdaContext } from '../../helpers/http-events';

// Nothing to flush here: keep Powertools from warning about empty metrics.
jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);

describe('s3Notification', () => {
  it("hands the parsed notification to the handler and returns the handler's result", async () => {
    const handler = s3Notification(({ Records }) =>
      Promise.resolve(Records.map((r) => `${r.s3.bucket.name}/${r.s3.object.key}`)),
    );

    await expect(handler(structuredClone(s3Sample), lambdaContext())).resolves.toEqual([
      `${s3Sample.Records[0]!.s3.bucket.name}/${s3Sample.Records[0]!.s3.object.key}`,
    ]);
  });

  it('fails on an event that is not an S3 notification, without running the handler', async () => {
    const handle = jest.fn();
    const handler = s3Notification(handle);

    await expect(handler(structuredClone(sqsSample), lambdaContext())).rejects.toThrow();
    expect(handle).not.toHaveBeenCalled();
  });

  it('decodes keys as S3 encodes them: form encoding, spaces as +', () => {
    expect(decodeS3Key('uploads/spring+catalog+%281%29.csv')).toBe('uploads/spring catalog (1).csv');
    expect(decodeS3Key('uploads/a%2Bb.csv')).toBe('uploads/a+b.csv');
  });
});

describe('scheduled', () => {
  it('hands the parsed EventBridge event to the handler', async () => {
    const handler = scheduled((event) => Promise.resolve(event['detail-type']));

    await expect(handler(structuredClone(scheduleSample), lambdaContext())).resolves.toBe('Scheduled Event');
  });

  it('fails on an event that is not a schedule, without running the handler', async () => {
    const handle = jest.fn();
    const handler = scheduled(handle);

    await expect(handler(structuredClone(s3Sample), lambdaContext())).rejects.toThrow(
      expect.objectContaining({
        name: 'InvalidScheduledEventError',
        message: expect.stringMatching(/^Not an EventBridge scheduled event: .*→ at time/s),
      }),
    );
    expect(handle).not.toHaveBeenCalled();
  });
});
