// S3 notifications to Lambda (infra/local/aws/s3/s3-notifications.ts): a bucket's declarations
// read, matched against what s3rver emits, the event S3 would send built, and each match invoked
// asynchronously, its failures retried and sent to the on-failure queue (the SQS module delivers).
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  encodeS3Key,
  matchesEventName,
  matchesKeyRules,
  matchingNotifications,
  notificationFunctionKey,
  refineEventName,
  s3Notifications,
  sampleS3Event,
  toS3Event,
} from '../../../../infra/local/aws/s3/s3-notifications';
import { localIntrinsics } from '../../../../infra/local/local-resources';
import s3Sample from '../../../fixtures/events/s3-event.json';
import { bucket, localResources, queueUrl, s3rverRecord, serviceConfig } from './import-pipeline';
import { runningTriggers } from './running-triggers';

describe('the function a notification names', () => {
  it('is found from GetAtt (either form) or a function ARN', () => {
    const config = serviceConfig();

    expect(notificationFunctionKey({ 'Fn::GetAtt': ['LoadImportChunkLambdaFunction', 'Arn'] }, config)).toBe(
      'loadImportChunk',
    );
    expect(notificationFunctionKey({ 'Fn::GetAtt': 'ProcessUploadLambdaFunction.Arn' }, config)).toBe('processUpload');
    expect(
      notificationFunctionKey('arn:aws:lambda:us-east-1:000000000000:function:shelf-local-processUpload', config),
    ).toBe('processUpload');
    expect(() => notificationFunctionKey({ 'Fn::GetAtt': ['SomeQueue', 'Arn'] }, config)).toThrow(/SomeQueue/);
  });
});

describe('S3 notifications', () => {
  const notifications = () => {
    const config = serviceConfig();
    const resources = localResources();
    return s3Notifications(config, resources, localIntrinsics(config, resources));
  };

  it("reads every LambdaConfiguration of every bucket, with its rules and the local bucket's name", () => {
    expect(notifications()).toEqual([
      {
        bucketId: 'UploadsBucket',
        bucket,
        configurationId: 'UploadsBucket-LambdaConfiguration-1',
        event: 's3:ObjectCreated:*',
        rules: [
          { name: 'prefix', value: 'uploads/' },
          { name: 'suffix', value: '.csv' },
        ],
        functionKey: 'processUpload',
      },
      {
        bucketId: 'UploadsBucket',
        bucket,
        configurationId: 'gzipped-uploads',
        event: 's3:ObjectCreated:*',
        rules: [
          { name: 'prefix', value: 'uploads/' },
          { name: 'suffix', value: '.csv.gz' },
        ],
        functionKey: 'processUpload',
      },
    ]);
  });

  it('matches an event name with a wildcard pattern or exactly', () => {
    expect(matchesEventName('s3:ObjectCreated:*', 'ObjectCreated:Put')).toBe(true);
    expect(matchesEventName('s3:ObjectCreated:*', 'ObjectCreated:CompleteMultipartUpload')).toBe(true);
    expect(matchesEventName('s3:ObjectCreated:*', 'ObjectRemoved:Delete')).toBe(false);
    expect(matchesEventName('s3:ObjectCreated:Put', 'ObjectCreated:Put')).toBe(true);
    expect(matchesEventName('s3:ObjectCreated:Put', 'ObjectCreated:Copy')).toBe(false);
  });

  it('matches prefix and suffix case-sensitively, all rules together', () => {
    const rules = [
      { name: 'prefix' as const, value: 'uploads/' },
      { name: 'suffix' as const, value: '.csv' },
    ];

    expect(matchesKeyRules(rules, 'uploads/a.csv')).toBe(true);
    expect(matchesKeyRules(rules, 'uploads/a.CSV')).toBe(false);
    expect(matchesKeyRules(rules, 'Uploads/a.csv')).toBe(false);
    expect(matchesKeyRules(rules, 'rejects/a.csv')).toBe(false);
    expect(matchesKeyRules(rules, 'uploads/a.csv.gz')).toBe(false);
    expect(matchesKeyRules([], 'anything')).toBe(true);
  });

  it('picks the configurations that match bucket, event and key', () => {
    const all = notifications();
    const ids = (key: string, eventName = 'ObjectCreated:Put', inBucket = bucket) =>
      matchingNotifications(all, inBucket, eventName, key).map((n) => n.configurationId);

    expect(ids('uploads/a.csv')).toEqual(['UploadsBucket-LambdaConfiguration-1']);
    expect(ids('uploads/a.csv.gz')).toEqual(['gzipped-uploads']);
    expect(ids('uploads/a.csv.gz', 'ObjectCreated:CompleteMultipartUpload')).toEqual(['gzipped-uploads']);
    expect(ids('uploads/a.csv', 'ObjectRemoved:Delete')).toEqual([]);
    expect(ids('uploads/a.txt')).toEqual([]);
    expect(ids('uploads/a.csv', 'ObjectCreated:Put', 'another-bucket')).toEqual([]);
  });

  it('encodes keys as S3 does in notifications: form encoding, slashes kept', () => {
    expect(encodeS3Key('uploads/spring catalog (1).csv')).toBe('uploads/spring+catalog+%281%29.csv');
    expect(encodeS3Key('uploads/a+b=c&d.csv')).toBe('uploads/a%2Bb%3Dc%26d.csv');
    expect(encodeS3Key('uploads/thé-€.csv')).toBe('uploads/th%C3%A9-%E2%82%AC.csv');
    expect(encodeS3Key('uploads/plain_name-1.csv')).toBe('uploads/plain_name-1.csv');
  });

  it('builds the event S3 sends: one record, encoded key, real region, bucket ARN and configuration id', () => {
    const event = toS3Event(s3rverRecord({ eTag: 'd41d8cd98f00b204e9800998ecf8427e' }), {
      region: 'eu-west-1',
      configurationId: 'gzipped-uploads',
    });

    expect(event).toEqual({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'eu-west-1',
          eventTime: '2026-03-01T10:00:00.000Z',
          eventName: 'ObjectCreated:Put',
          userIdentity: { principalId: 'AWS:ABCDEF0123456789ABCDE' },
          requestParameters: { sourceIPAddress: '127.0.0.1' },
          responseElements: { 'x-amz-request-id': '0123456789ABCDEF', 'x-amz-id-2': 'aGFzaA==' },
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: 'gzipped-uploads',
            bucket: { name: bucket, ownerIdentity: { principalId: 'A1B2C3D4E5F6A7' }, arn: `arn:aws:s3:::${bucket}` },
            object: {
              key: 'uploads/spring+catalog.csv',
              size: 1024,
              eTag: 'd41d8cd98f00b204e9800998ecf8427e',
              sequencer: '19C8F0A1B2C',
            },
          },
        },
      ],
    });
  });

  it('takes a looked-up ETag and a refined event name, reports IPv4 plainly, and leaves size and ETag off removals', () => {
    const copied = toS3Event(s3rverRecord({ eventName: 'ObjectCreated:Copy', ip: '::ffff:10.0.0.7' }), {
      region: 'us-east-1',
      configurationId: 'c',
      eTag: 'abc',
    });
    const removed = toS3Event(s3rverRecord({ eventName: 'ObjectRemoved:Delete' }), {
      region: 'us-east-1',
      configurationId: 'c',
    });

    expect(copied.Records[0]!.s3.object.eTag).toBe('abc');
    expect(copied.Records[0]!.requestParameters.sourceIPAddress).toBe('10.0.0.7');
    expect(removed.Records[0]!.s3.object).toEqual({ key: 'uploads/spring+catalog.csv', sequencer: '19C8F0A1B2C' });
  });

  it('names a completed multipart upload as S3 does (s3rver calls it Post, like a form upload)', () => {
    expect(refineEventName('ObjectCreated:Post', { method: 'POST', query: { uploadId: 'u-1' } })).toBe(
      'ObjectCreated:CompleteMultipartUpload',
    );
    expect(refineEventName('ObjectCreated:Post', { method: 'POST', query: {} })).toBe('ObjectCreated:Post');
    expect(refineEventName('ObjectCreated:Put', undefined)).toBe('ObjectCreated:Put');
  });
});

describe('the S3 sample event for npm run invoke', () => {
  it("is AWS's sample with the local bucket, a key the notification's rules accept and its configuration id", () => {
    const config = serviceConfig();
    const resources = localResources();

    const event = sampleS3Event(structuredClone(s3Sample), 'processUpload', {
      config,
      region: 'eu-west-1',
      resources,
      intrinsics: localIntrinsics(config, resources),
    });

    expect(event!.Records).toHaveLength(1);
    expect(event!.Records[0]).toEqual(
      expect.objectContaining({ awsRegion: 'eu-west-1', eventName: 'ObjectCreated:Put', eventSource: 'aws:s3' }),
    );
    expect(event!.Records[0]!.s3).toEqual(
      expect.objectContaining({
        configurationId: 'UploadsBucket-LambdaConfiguration-1',
        bucket: expect.objectContaining({ name: bucket, arn: `arn:aws:s3:::${bucket}` }),
        object: expect.objectContaining({ key: 'uploads/sample.csv' }),
      }),
    );
  });

  it('is undefined for a function no bucket notifies', () => {
    const config = serviceConfig();
    const resources = localResources();

    expect(
      sampleS3Event(structuredClone(s3Sample), 'loadImportChunk', {
        config,
        region: 'us-east-1',
        resources,
        intrinsics: localIntrinsics(config, resources),
      }),
    ).toBeUndefined();
  });
});

describe('S3 notifications, running', () => {
  const running = runningTriggers();
  const { sqs, json, invokedEvents, start } = running;

  it('lists the triggers it wired', async () => {
    const { sources } = await start();
    await sources.stop();

    expect(sources.sources).toEqual(['S3 UploadsBucket → processUpload', 'SQS ImportQueue → loadImportChunk']);
    expect(running.lines).toEqual([]);
  });

  it('invokes the function for a matching upload with the S3 event, once', async () => {
    running.fetchMock.mockImplementation(() => Promise.resolve(json([{ outcome: 'read' }])));
    const { sources, s3Server } = await start();

    s3Server.emit('event', { Records: [s3rverRecord({ eTag: 'e-1' })] });
    s3Server.emit('event', { Records: [s3rverRecord({ key: 'rejects/x.csv', eTag: 'e-2' })] });
    await sources.idle();
    await sources.stop();

    const calls = invokedEvents();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('http://127.0.0.1:3002/2015-03-31/functions/shelf-local-processUpload/invocations');
    expect(calls[0]!.event.Records[0].s3.object).toEqual({
      key: 'uploads/spring+catalog.csv',
      size: 1024,
      eTag: 'e-1',
      sequencer: '19C8F0A1B2C',
    });
    expect(running.fetchMock.mock.calls[0]![1]!.headers).toEqual(
      expect.objectContaining({ 'x-amz-invocation-type': 'RequestResponse' }),
    );
    expect(running.lines).toContain('S3 UploadsBucket → processUpload: uploads/spring catalog.csv');
  });

  it("retries a failing function twice, then sends Lambda's record to the on-failure queue", async () => {
    const error = { errorMessage: 'not a CSV', errorType: 'Error', trace: [] };
    running.fetchMock.mockImplementation(() => Promise.resolve(json(error, { 'X-Amz-Function-Error': 'Unhandled' })));
    const { sources, s3Server } = await start();

    s3Server.emit('event', { Records: [s3rverRecord({ eTag: 'e-1' })] });
    await sources.idle();
    await sources.stop();

    expect(running.fetchMock).toHaveBeenCalledTimes(3);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    const sent = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(sent.QueueUrl).toBe(queueUrl('shelf-local-upload-failures'));
    const record = JSON.parse(sent.MessageBody!);
    expect(record).toEqual({
      version: '1.0',
      timestamp: expect.any(String),
      requestContext: {
        requestId: expect.any(String),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-processUpload:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: invokedEvents()[0]!.event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: error,
    });
    expect(running.lines.at(-1)).toBe(
      'S3 UploadsBucket → processUpload: uploads/spring catalog.csv failed (attempt 3 of 3): not a CSV; event sent to UploadFailuresQueue',
    );
  });

  it('honours maximumRetryAttempts: 0', async () => {
    const config = serviceConfig();
    config.functions.processUpload!.maximumRetryAttempts = 0;
    running.fetchMock.mockImplementation(() =>
      Promise.resolve(json({ errorMessage: 'x' }, { 'X-Amz-Function-Error': 'Unhandled' })),
    );
    const { sources, s3Server } = await start(config);

    s3Server.emit('event', { Records: [s3rverRecord()] });
    await sources.idle();
    await sources.stop();

    expect(running.fetchMock).toHaveBeenCalledTimes(1);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
  });
});
