// Firehose's transformation on the clickstream's way to the data lake
// (infra/resources/data-lake.yml, ClickstreamDeliveryStream): each record loses the caller's IP
// address and user agent, its user id becomes a keyed hash, and robots' visits are left out
// (shared/clickstream/strip-personal-data.ts). Firehose invokes it synchronously with a batch of
// records and expects every recordId back exactly once, with `Ok` (and the data to deliver),
// `Dropped`, or `ProcessingFailed` (Firehose then writes the original record under the error
// output prefix). https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html
import * as z from '../../shared/zod';
import { dataLakeHashKeySource } from '../../shared/adapters/secrets-manager/data-lake-hash-key';
import { stripPersonalData, type StripOutcome } from '../../shared/clickstream/strip-personal-data';
import { logger, metrics, MetricUnit } from '../../shared/observability';
import { observedHandler } from '../../shared/triggers/observed-handler';
import { kinesisFirehoseSchema } from '../../shared/triggers/schemas/kinesis-firehose';

const hashKey = dataLakeHashKeySource();

/**
 * Powertools' Firehose event schema (its zod/mini copy), with each record's data left as Firehose
 * sent it: a record whose data is not base64 fails alone (ProcessingFailed), not the whole batch.
 */
const firehoseEventSchema = kinesisFirehoseSchema;

export type FirehoseResult = 'Ok' | 'Dropped' | 'ProcessingFailed';

export interface FirehoseTransformationResponse {
  records: { recordId: string; result: FirehoseResult; data: string }[];
}

const base64 = z.base64();

function transform(data: string, key: string): StripOutcome {
  if (!base64.safeParse(data).success) return { outcome: 'failed', reason: 'data is not base64' };
  return stripPersonalData(Buffer.from(data, 'base64'), key);
}

export const handler = observedHandler(async (event: unknown): Promise<FirehoseTransformationResponse> => {
  // An event that is not Firehose's is a wiring mistake: fail the invocation, and Firehose retries
  // it, then writes the whole batch to the error output.
  const { records, deliveryStreamArn } = firehoseEventSchema.parse(event);
  logger.appendKeys({ deliveryStreamArn });
  const key = await hashKey();
  const counts = { kept: 0, dropped: 0, failed: 0 };
  const answered = records.map(({ recordId, data }) => {
    const result = transform(data, key);
    counts[result.outcome]++;
    if (result.outcome === 'kept') return { recordId, result: 'Ok' as const, data: result.line.toString('base64') };
    // Only the record id and what was wrong: the record itself holds personal data.
    if (result.outcome === 'failed')
      logger.warn('Clickstream record is not an event', { recordId, reason: result.reason });
    // Firehose wants data on every record; it ignores it for these, and keeps the original.
    return {
      recordId,
      result: result.outcome === 'dropped' ? ('Dropped' as const) : ('ProcessingFailed' as const),
      data,
    };
  });
  metrics.addMetric('ClickstreamEventsKept', MetricUnit.Count, counts.kept);
  metrics.addMetric('ClickstreamBotEventsDropped', MetricUnit.Count, counts.dropped);
  metrics.addMetric('ClickstreamRecordsFailed', MetricUnit.Count, counts.failed);
  logger.info('Clickstream batch stripped of personal data', { records: records.length, ...counts });
  return { records: answered };
});
