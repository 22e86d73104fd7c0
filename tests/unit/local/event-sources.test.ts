import { EventEmitter } from 'node:events';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type S3rver from 's3rver';
import sqsFixture from '../../fixtures/events/sqs-event.json';
import {
  destinationQueue,
  encodeS3Key,
  functionKeyForLogicalId,
  invocationRecord,
  lambdaLogicalId,
  matchesEventName,
  matchesKeyRules,
  matchingNotifications,
  notificationFunctionKey,
  refineEventName,
  s3Notifications,
  settleBatch,
  sqsMappings,
  startEventSources,
  toS3Event,
  toSqsEvent,
  type Invocation,
  type S3rverRecord,
} from '../../../infra/local/event-sources';
import { localIntrinsics, type LocalResource } from '../../../infra/local/local-resources';
import type { ServiceConfig } from '../../../infra/service-config';

const bucket = 'shelf-local-uploads-us-east-1-000000000000';
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:123456789012:${name}`;
const queueUrl = (name: string) => `http://127.0.0.1:9324/123456789012/${name}`;

/** What `serverless print --stage local` gives for the import pipeline's declarations. */
function serviceConfig(): ServiceConfig {
  return {
    service: 'shelf',
    provider: { region: 'us-east-1', stage: 'local' },
    functions: {
      processUpload: {
        handler: 'services/imports/process-upload.handler',
        name: 'shelf-local-processUpload',
        timeout: 900,
        maximumRetryAttempts: 2,
        destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['UploadFailuresQueue', 'Arn'] } } },
        events: [],
      },
      loadImportChunk: {
        handler: 'services/imports/load-import-chunk.handler',
        name: 'shelf-local-loadImportChunk',
        timeout: 60,
        reservedConcurrency: 5,
        events: [
          {
            sqs: {
              arn: { 'Fn::GetAtt': ['ImportQueue', 'Arn'] },
              batchSize: 10,
              maximumBatchingWindow: 1,
              maximumConcurrency: 5,
              functionResponseType: 'ReportBatchItemFailures',
            },
          },
        ],
      },
      'import-csv_v2': { handler: 'x.handler', name: 'shelf-local-import-csv_v2' },
    },
    resources: {
      Resources: {
        UploadsBucket: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            BucketName: { 'Fn::Sub': 'shelf-local-uploads-${AWS::Region}-${AWS::AccountId}' },
            NotificationConfiguration: {
              LambdaConfigurations: [
                {
                  Event: 's3:ObjectCreated:*',
                  Filter: {
                    S3Key: {
                      Rules: [
                        { Name: 'prefix', Value: 'uploads/' },
                        { Name: 'suffix', Value: '.csv' },
                      ],
                    },
                  },
                  Function: { 'Fn::GetAtt': ['ProcessUploadLambdaFunction', 'Arn'] },
                },
                {
                  Event: 's3:ObjectCreated:*',
                  Filter: {
                    S3Key: {
                      Rules: [
                        { Name: 'Prefix', Value: { 'Fn::Sub': 'uploads/' } },
                        { Name: 'Suffix', Value: '.csv.gz' },
                      ],
                    },
                  },
                  Function: { 'Fn::GetAtt': 'ProcessUploadLambdaFunction.Arn' },
                  Id: 'gzipped-uploads',
                },
              ],
            },
          },
        },
        ImportQueue: {
          Type: 'AWS::SQS::Queue',
          Properties: {
            QueueName: 'shelf-local-imports',
            RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['ImportDeadLetterQueue', 'Arn'] } },
          },
        },
        ImportDeadLetterQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'shelf-local-imports-dlq' } },
        UploadFailuresQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'shelf-local-upload-failures' } },
      },
    },
  };
}

function localResources(): Map<string, LocalResource> {
  const queue = (name: string): LocalResource => ({
    type: 'AWS::SQS::Queue',
    ref: queueUrl(name),
    arn: queueArn(name),
  });
  return new Map<string, LocalResource>([
    ['UploadsBucket', { type: 'AWS::S3::Bucket', ref: bucket, arn: `arn:aws:s3:::${bucket}` }],
    ['ImportQueue', queue('shelf-local-imports')],
    ['ImportDeadLetterQueue', queue('shelf-local-imports-dlq')],
    ['UploadFailuresQueue', queue('shelf-local-upload-failures')],
  ]);
}

/** A record as s3rver 3.7.1 emits it (lib/models/event.js). */
function s3rverRecord(overrides: { eventName?: string; key?: string; eTag?: string; ip?: string } = {}): S3rverRecord {
  return {
    eventVersion: '2.0',
    eventTime: '2026-03-01T10:00:00.000Z',
    eventName: overrides.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:ABCDEF0123456789ABCDE' },
    requestParameters: { sourceIPAddress: overrides.ip ?? '127.0.0.1' },
    responseElements: { 'x-amz-request-id': '0123456789ABCDEF', 'x-amz-id-2': 'aGFzaA==' },
    s3: {
      bucket: { name: bucket, ownerIdentity: { principalId: 'A1B2C3D4E5F6A7' } },
      object: {
        key: overrides.key ?? 'uploads/spring catalog.csv',
        size: 1024,
        ...(overrides.eTag === undefined ? {} : { eTag: overrides.eTag }),
        sequencer: '19C8F0A1B2C',
      },
    },
  };
}

describe('function names', () => {
  it("gives a function's logical id by the framework's rule", () => {
    expect(lambdaLogicalId('processUpload')).toBe('ProcessUploadLambdaFunction');
    expect(lambdaLogicalId('import-csv_v2')).toBe('ImportDashcsvUnderscorev2LambdaFunction');
  });

  it('maps a logical id back to the function key', () => {
    const { functions } = serviceConfig();

    expect(functionKeyForLogicalId(functions, 'ProcessUploadLambdaFunction')).toBe('processUpload');
    expect(functionKeyForLogicalId(functions, 'ImportDashcsvUnderscorev2LambdaFunction')).toBe('import-csv_v2');
    expect(functionKeyForLogicalId(functions, 'ProcessUploadsLambdaFunction')).toBeUndefined();
  });

  it("finds a notification's function from GetAtt (either form) or a function ARN", () => {
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

describe('asynchronous invocation records', () => {
  it("is Lambda's destination record: request, condition, invoke count and the error", () => {
    const invocation: Invocation = {
      status: 200,
      functionError: 'Unhandled',
      payload: { errorMessage: 'boom', errorType: 'Error', trace: ['Error: boom'] },
    };

    const record = invocationRecord({
      requestId: 'req-1',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-processUpload',
      event: { Records: [] },
      invocation,
      invokeCount: 3,
      timestamp: new Date('2026-03-01T10:00:03.000Z'),
    });

    expect(record).toEqual({
      version: '1.0',
      timestamp: '2026-03-01T10:00:03.000Z',
      requestContext: {
        requestId: 'req-1',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-processUpload:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { Records: [] },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorMessage: 'boom', errorType: 'Error', trace: ['Error: boom'] },
    });
  });

  it('delivers to SQS destinations and says why it cannot deliver to others', () => {
    const config = serviceConfig();
    const resources = localResources();
    const intrinsics = localIntrinsics(config, resources);

    expect(destinationQueue(config.functions.processUpload!.destinations?.onFailure, resources, intrinsics)).toEqual({
      id: 'UploadFailuresQueue',
      url: queueUrl('shelf-local-upload-failures'),
      arn: queueArn('shelf-local-upload-failures'),
    });
    expect(destinationQueue(queueArn('shelf-local-imports-dlq'), resources, intrinsics)).toEqual(
      expect.objectContaining({ id: 'ImportDeadLetterQueue' }),
    );
    expect(destinationQueue({ type: 'sns', arn: 'arn:aws:sns:us-east-1:1:t' }, resources, intrinsics)).toMatch(/sns/);
    expect(destinationQueue(undefined, resources, intrinsics)).toBeUndefined();
  });
});

describe('SQS event source mappings', () => {
  it("reads a function's sqs events, resolving the queue to its local URL", () => {
    const config = serviceConfig();
    const resources = localResources();

    expect(sqsMappings(config, resources, localIntrinsics(config, resources))).toEqual([
      {
        functionKey: 'loadImportChunk',
        queueId: 'ImportQueue',
        queueUrl: queueUrl('shelf-local-imports'),
        queueArn: queueArn('shelf-local-imports'),
        batchSize: 10,
        maximumBatchingWindow: 1,
        reportBatchItemFailures: true,
        maximumConcurrency: 5,
        enabled: true,
      },
    ]);
  });

  it("fills in Lambda's defaults, takes an ARN alone, and stays within reserved concurrency", () => {
    const config = serviceConfig();
    config.functions.loadImportChunk!.reservedConcurrency = 2;
    config.functions.loadImportChunk!.events = [
      { sqs: queueArn('shelf-local-imports-dlq') },
      { sqs: { arn: { 'Fn::GetAtt': 'ImportQueue.Arn' }, enabled: false, maximumConcurrency: 10 } },
    ];
    const resources = localResources();

    const [dlq, disabled] = sqsMappings(config, resources, localIntrinsics(config, resources));

    expect(dlq).toEqual(
      expect.objectContaining({
        queueId: 'ImportDeadLetterQueue',
        batchSize: 10,
        maximumBatchingWindow: 0,
        reportBatchItemFailures: false,
        maximumConcurrency: 2,
        enabled: true,
      }),
    );
    expect(disabled).toEqual(
      expect.objectContaining({ queueId: 'ImportQueue', enabled: false, maximumConcurrency: 2 }),
    );
  });

  it('refuses what it cannot honour: an unknown queue, filter patterns', () => {
    const resources = localResources();
    const unknownQueue = serviceConfig();
    unknownQueue.functions.loadImportChunk!.events = [{ sqs: queueArn('elsewhere') }];
    const filtered = serviceConfig();
    filtered.functions.loadImportChunk!.events = [
      { sqs: { arn: queueArn('shelf-local-imports'), filterPatterns: [{ body: { a: ['b'] } }] } },
    ];

    expect(() => sqsMappings(unknownQueue, resources, localIntrinsics(unknownQueue, resources))).toThrow(/elsewhere/);
    expect(() => sqsMappings(filtered, resources, localIntrinsics(filtered, resources))).toThrow(/filterPatterns/);
  });

  it("builds Lambda's SQS event from received messages (tests/fixtures/events/sqs-event.json)", () => {
    const [expected] = sqsFixture.Records;
    const received: Message = {
      MessageId: 'MessageID_1',
      ReceiptHandle: 'MessageReceiptHandle',
      Body: 'Message Body',
      MD5OfBody: 'fce0ea8dd236ccb3ed9b37dae260836f',
      MD5OfMessageAttributes: '582c92c5c5b6ac403040a4f3ab3115c9',
      Attributes: {
        ApproximateFirstReceiveTimestamp: '1520621634884',
        SenderId: 'AROAIWPX5BD2BHG722MW4:sender',
        SentTimestamp: '1520621625029',
        ApproximateReceiveCount: '2',
      },
      MessageAttributes: {
        Attribute3: {
          BinaryValue: Buffer.from('1100'),
          StringListValues: ['abc', '123'],
          BinaryListValues: [Buffer.from('0'), Buffer.from('1'), Buffer.from('0')],
          DataType: 'Binary',
        },
        Attribute2: { StringValue: '123', BinaryListValues: [Buffer.from('1'), Buffer.from('0')], DataType: 'Number' },
        Attribute1: { StringValue: 'AttributeValue1', DataType: 'String' },
      },
    };

    const event = toSqsEvent([received], 'arn:aws:sqs:us-west-2:123456789012:SQSQueue', 'us-west-2');

    expect(event).toEqual({ Records: [expected] });
    // Lambda's order, whatever order SQS answered in.
    expect(Object.keys(event.Records[0]!.attributes)).toEqual(Object.keys(expected!.attributes));
  });

  it('passes other system attributes on and leaves out an MD5 of attributes that are not there', () => {
    const event = toSqsEvent(
      [
        {
          MessageId: 'm-1',
          ReceiptHandle: 'r-1',
          Body: '{}',
          MD5OfBody: '99914b932bd37a50b983c5e7c90ae93b',
          Attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: '1',
            SenderId: 'S',
            ApproximateFirstReceiveTimestamp: '2',
            AWSTraceHeader: 'Root=1-abc',
          },
        },
      ],
      queueArn('shelf-local-imports'),
      'us-east-1',
    );

    expect(event.Records[0]).toEqual({
      messageId: 'm-1',
      receiptHandle: 'r-1',
      body: '{}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1',
        SenderId: 'S',
        ApproximateFirstReceiveTimestamp: '2',
        AWSTraceHeader: 'Root=1-abc',
      },
      messageAttributes: {},
      md5OfBody: '99914b932bd37a50b983c5e7c90ae93b',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn('shelf-local-imports'),
      awsRegion: 'us-east-1',
    });
  });
});

describe('settling a batch', () => {
  const ids = ['m-1', 'm-2', 'm-3'];
  const ok = (payload: unknown): Invocation => ({ status: 200, payload });

  it('deletes nothing when the function failed', () => {
    const failed = { status: 200, functionError: 'Unhandled', payload: { errorMessage: 'db down' } };

    expect(settleBatch(ids, failed, true)).toEqual({ delete: [], failed: ids, problem: 'function error: db down' });
    expect(settleBatch(ids, failed, false)).toEqual({ delete: [], failed: ids, problem: 'function error: db down' });
  });

  it('deletes every message after a success without ReportBatchItemFailures, whatever the function returned', () => {
    expect(settleBatch(ids, ok({ batchItemFailures: [{ itemIdentifier: 'm-2' }] }), false)).toEqual({
      delete: ids,
      failed: [],
    });
  });

  it('keeps only the reported messages with ReportBatchItemFailures', () => {
    const response = { batchItemFailures: [{ itemIdentifier: 'm-2' }, { itemIdentifier: 'm-3' }] };

    expect(settleBatch(ids, ok(response), true)).toEqual({ delete: ['m-1'], failed: ['m-2', 'm-3'] });
  });

  it.each([null, '', {}, { batchItemFailures: [] }, { batchItemFailures: null }])(
    'treats %j as a complete success',
    (payload) => {
      expect(settleBatch(ids, ok(payload), true)).toEqual({ delete: ids, failed: [] });
    },
  );

  it.each([
    ['an identifier not in the batch', { batchItemFailures: [{ itemIdentifier: 'm-9' }] }],
    ['an empty identifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null identifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a wrongly named key', { batchItemFailures: [{ itemId: 'm-1' }] }],
    ['a list that is not one', { batchItemFailures: { itemIdentifier: 'm-1' } }],
    ['a string', 'done'],
    ['a list', [{ itemIdentifier: 'm-1' }]],
  ])('fails the whole batch on a response with %s, as Lambda does', (_, payload) => {
    const settled = settleBatch(ids, ok(payload), true);

    expect(settled.delete).toEqual([]);
    expect(settled.failed).toEqual(ids);
    expect(settled.problem).toMatch(/invalid batch response/);
  });
});

describe('startEventSources', () => {
  const sqs = mockClient(SQSClient);
  let fetchMock: jest.SpiedFunction<typeof fetch>;
  let lines: string[];

  const json = (body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', ...headers } });
  const invokedEvents = () =>
    fetchMock.mock.calls.map(([url, init]) => ({ url: url as string, event: JSON.parse(init!.body as string) }));

  async function start(config = serviceConfig(), s3Server = new EventEmitter()) {
    const sources = await startEventSources({
      config,
      resources: localResources(),
      endpoints: { dynamodb: 'http://127.0.0.1:1', s3: 'http://127.0.0.1:2', sqs: 'http://127.0.0.1:3' },
      region: 'us-east-1',
      lambdaEndpoint: 'http://127.0.0.1:3002',
      s3Server: s3Server as unknown as S3rver,
      log: (line) => lines.push(line),
      timing: { retryDelayMs: 5, pollIntervalMs: 5, stopTimeoutMs: 200, failedRecordRetrySeconds: 2 },
    });
    return { sources, s3Server };
  }

  beforeEach(() => {
    sqs.reset();
    sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl?: string }) => ({
      Attributes: { QueueArn: queueArn(input.QueueUrl!.split('/').at(-1)!) },
    }));
    sqs.on(ReceiveMessageCommand).resolves({});
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'sent-1' });
    fetchMock = jest.spyOn(globalThis, 'fetch');
    lines = [];
  });

  afterEach(() => fetchMock.mockRestore());

  it('lists the triggers it wired', async () => {
    const { sources } = await start();
    await sources.stop();

    expect(sources.sources).toEqual(['S3 UploadsBucket → processUpload', 'SQS ImportQueue → loadImportChunk']);
  });

  it('invokes the function for a matching upload with the S3 event, once', async () => {
    fetchMock.mockImplementation(() => Promise.resolve(json([{ outcome: 'read' }])));
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
    expect(fetchMock.mock.calls[0]![1]!.headers).toEqual(
      expect.objectContaining({ 'x-amz-invocation-type': 'RequestResponse' }),
    );
    expect(lines).toContain('S3 UploadsBucket → processUpload: uploads/spring catalog.csv');
  });

  it("retries a failing function twice, then sends Lambda's record to the on-failure queue", async () => {
    const error = { errorMessage: 'not a CSV', errorType: 'Error', trace: [] };
    fetchMock.mockImplementation(() => Promise.resolve(json(error, { 'X-Amz-Function-Error': 'Unhandled' })));
    const { sources, s3Server } = await start();

    s3Server.emit('event', { Records: [s3rverRecord({ eTag: 'e-1' })] });
    await sources.idle();
    await sources.stop();

    expect(fetchMock).toHaveBeenCalledTimes(3);
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
    expect(lines.at(-1)).toBe(
      'S3 UploadsBucket → processUpload: uploads/spring catalog.csv failed (attempt 3 of 3): not a CSV; event sent to UploadFailuresQueue',
    );
  });

  it('honours maximumRetryAttempts: 0', async () => {
    const config = serviceConfig();
    config.functions.processUpload!.maximumRetryAttempts = 0;
    fetchMock.mockImplementation(() =>
      Promise.resolve(json({ errorMessage: 'x' }, { 'X-Amz-Function-Error': 'Unhandled' })),
    );
    const { sources, s3Server } = await start(config);

    s3Server.emit('event', { Records: [s3rverRecord()] });
    await sources.idle();
    await sources.stop();

    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
  });

  const message = (n: number): Message => ({
    MessageId: `m-${n}`,
    ReceiptHandle: `r-${n}`,
    Body: `{"chunk":${n}}`,
    MD5OfBody: 'md5',
    Attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1',
      SenderId: 'S',
      ApproximateFirstReceiveTimestamp: '1',
    },
  });

  it('polls the queue, invokes with the batch and deletes all but the reported failures', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(1), message(2), message(3)] })
      .resolves({});
    fetchMock.mockImplementation(() => Promise.resolve(json({ batchItemFailures: [{ itemIdentifier: 'm-2' }] })));
    const { sources } = await start();

    await sources.idle();
    await sources.stop();

    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, {
      QueueUrl: queueUrl('shelf-local-imports'),
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
      WaitTimeSeconds: 0,
    });
    const [invoked] = invokedEvents();
    expect(invoked!.url).toBe('http://127.0.0.1:3002/2015-03-31/functions/shelf-local-loadImportChunk/invocations');
    expect(invoked!.event.Records.map((r: { messageId: string }) => r.messageId)).toEqual(['m-1', 'm-2', 'm-3']);
    expect(invoked!.event.Records[0].eventSourceARN).toBe(queueArn('shelf-local-imports'));
    expect(sqs).toHaveReceivedCommandTimes(DeleteMessageBatchCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageBatchCommand, {
      QueueUrl: queueUrl('shelf-local-imports'),
      Entries: [
        { Id: '0', ReceiptHandle: 'r-1' },
        { Id: '1', ReceiptHandle: 'r-3' },
      ],
    });
    expect(lines).toContain('SQS ImportQueue → loadImportChunk: 3 records, 1 failed');
    // The failed one comes back in local time, not after the queue's whole visibility timeout.
    expect(sqs).toHaveReceivedCommandTimes(ChangeMessageVisibilityBatchCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, {
      QueueUrl: queueUrl('shelf-local-imports'),
      Entries: [{ Id: '0', ReceiptHandle: 'r-2', VisibilityTimeout: 2 }],
    });
  });

  it('gathers a batch over several receives within the batching window, up to batchSize', async () => {
    const config = serviceConfig();
    config.functions.loadImportChunk!.events = [
      { sqs: { arn: queueArn('shelf-local-imports'), batchSize: 3, maximumBatchingWindow: 1 } },
    ];
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(1)] })
      .resolvesOnce({})
      .resolvesOnce({ Messages: [message(2), message(3)] })
      .resolvesOnce({ Messages: [message(4)] })
      .resolves({});
    fetchMock.mockImplementation(() => Promise.resolve(new Response('')));
    const { sources } = await start(config);

    await sources.idle();
    await sources.stop();

    const asked = sqs.commandCalls(ReceiveMessageCommand).map((call) => call.args[0].input.MaxNumberOfMessages);
    expect(asked.slice(0, 4)).toEqual([3, 2, 2, 3]);
    expect(invokedEvents().map(({ event }) => event.Records.map((r: { messageId: string }) => r.messageId))).toEqual([
      ['m-1', 'm-2', 'm-3'],
      ['m-4'],
    ]);
    // Without ReportBatchItemFailures a success deletes the whole batch.
    expect(
      sqs
        .commandCalls(DeleteMessageBatchCommand)
        .map((call) => call.args[0].input.Entries!.map((e) => e.ReceiptHandle)),
    ).toEqual([['r-1', 'r-2', 'r-3'], ['r-4']]);
  });

  it('deletes nothing when the function fails', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(1), message(2)] })
      .resolves({});
    fetchMock.mockImplementation(() =>
      Promise.resolve(json({ errorMessage: 'db down' }, { 'X-Amz-Function-Error': 'Unhandled' })),
    );
    const { sources } = await start();

    await sources.idle();
    await sources.stop();

    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(sqs).toHaveReceivedCommandTimes(DeleteMessageBatchCommand, 0);
    expect(
      sqs
        .commandCalls(ChangeMessageVisibilityBatchCommand)
        .flatMap((call) => call.args[0].input.Entries!.map((e) => [e.ReceiptHandle, e.VisibilityTimeout])),
    ).toEqual([
      ['r-1', 2],
      ['r-2', 2],
    ]);
    expect(lines).toContain('SQS ImportQueue → loadImportChunk: 2 records, all 2 returning (function error: db down)');
  });

  it('does not poll a disabled mapping', async () => {
    const config = serviceConfig();
    config.functions.loadImportChunk!.events = [{ sqs: { arn: queueArn('shelf-local-imports'), enabled: false } }];
    const { sources } = await start(config);

    await sources.idle();
    await sources.stop();

    expect(sqs).toHaveReceivedCommandTimes(ReceiveMessageCommand, 0);
    expect(sources.sources).toContain('SQS ImportQueue → loadImportChunk (disabled)');
  });

  it('stops within its bound when an invocation hangs, abandoning it', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(1)] })
      .resolves({});
    fetchMock.mockImplementation(
      (_url, init) =>
        new Promise((_, reject) => init!.signal!.addEventListener('abort', () => reject(new Error('aborted')))),
    );
    const { sources } = await start();
    while (!fetchMock.mock.calls.length) await new Promise((resolve) => setTimeout(resolve, 5));

    const started = Date.now();
    await sources.stop();

    expect(Date.now() - started).toBeLessThan(1000);
    expect(sqs).toHaveReceivedCommandTimes(DeleteMessageBatchCommand, 0);
    expect(lines.filter((line) => line.startsWith('SQS'))).toEqual([]);
  });
});
