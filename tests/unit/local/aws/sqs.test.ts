// SQS on the local platform (infra/local/aws/sqs/): the functions' sqs events read as mappings,
// Lambda's SQS event built from received messages, the queue polled and settled through the
// poller core, and records delivered to SQS destinations.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { sqs as sqsService, startSqsTriggers } from '../../../../infra/local/aws/sqs/service';
import { sqsMappings, toSqsEvent } from '../../../../infra/local/aws/sqs/sqs-mappings';
import { localIntrinsics } from '../../../../infra/local/local-resources';
import sqsFixture from '../../../fixtures/events/sqs-event.json';
import { localResources, queueArn, queueUrl, serviceConfig, triggerContext } from './import-pipeline';
import { runningTriggers } from './running-triggers';

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
        maximumBatchingWindowSeconds: 1,
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
        maximumBatchingWindowSeconds: 0,
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

describe('SQS triggers, running', () => {
  const running = runningTriggers();
  const { sqs, json, invokedEvents, start } = running;

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
    running.fetchMock.mockImplementation(() =>
      Promise.resolve(json({ batchItemFailures: [{ itemIdentifier: 'm-2' }] })),
    );
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
    expect(running.lines).toContain('SQS ImportQueue → loadImportChunk: 3 records, 1 failed');
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
    running.fetchMock.mockImplementation(() => Promise.resolve(new Response('')));
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
    running.fetchMock.mockImplementation(() =>
      Promise.resolve(json({ errorMessage: 'db down' }, { 'X-Amz-Function-Error': 'Unhandled' })),
    );
    const { sources } = await start();

    await sources.idle();
    await sources.stop();

    expect(running.fetchMock).toHaveBeenCalledTimes(1);
    expect(sqs).toHaveReceivedCommandTimes(DeleteMessageBatchCommand, 0);
    expect(
      sqs
        .commandCalls(ChangeMessageVisibilityBatchCommand)
        .flatMap((call) => call.args[0].input.Entries!.map((e) => [e.ReceiptHandle, e.VisibilityTimeout])),
    ).toEqual([
      ['r-1', 2],
      ['r-2', 2],
    ]);
    expect(running.lines).toContain(
      'SQS ImportQueue → loadImportChunk: 2 records, all 2 returning (function error: db down)',
    );
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
    running.fetchMock.mockImplementation(
      (_url, init) =>
        new Promise((_, reject) => init!.signal!.addEventListener('abort', () => reject(new Error('aborted')))),
    );
    const { sources } = await start();
    while (!running.fetchMock.mock.calls.length) await new Promise((resolve) => setTimeout(resolve, 5));

    const started = Date.now();
    await sources.stop();

    expect(Date.now() - started).toBeLessThan(1000);
    expect(sqs).toHaveReceivedCommandTimes(DeleteMessageBatchCommand, 0);
    expect(running.lines.filter((line) => line.startsWith('SQS'))).toEqual([]);
  });

  it('delivers a record to a queue destination, with its attributes, and names the queue', async () => {
    const context = triggerContext();
    const triggers = await startSqsTriggers(context, { pollIntervalMs: 5, stopTimeoutMs: 200 });

    await context.destinations.deliver(queueArn('shelf-local-upload-failures'), {
      body: '{"event":1}',
      attributes: { RequestID: 'req-1', ErrorCode: 200 },
    });
    const unknown = context.destinations.deliver(queueArn('elsewhere'), { body: '{}' });

    await expect(unknown).rejects.toThrow(/no local queue has the ARN/);
    expect(context.destinations.describe(queueArn('shelf-local-upload-failures'))).toBe('UploadFailuresQueue');
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: queueUrl('shelf-local-upload-failures'),
      MessageBody: '{"event":1}',
      MessageAttributes: {
        RequestID: { DataType: 'String', StringValue: 'req-1' },
        ErrorCode: { DataType: 'Number', StringValue: '200' },
      },
    });
    await triggers.stop();
    context.destinations.close();
  });
});

describe('the SQS sample event for npm run invoke', () => {
  it("is AWS's sample with the local queue's ARN and region, for a function's sqs event", () => {
    const config = serviceConfig();
    const resources = localResources();

    const event = sqsService.sampleEvent!({
      config,
      region: 'us-east-1',
      functionKey: 'loadImportChunk',
      declared: config.functions.loadImportChunk!.events![0] as Record<string, unknown>,
      resources,
      intrinsics: localIntrinsics(config, resources),
      fixture: () => structuredClone(sqsFixture),
    }) as typeof sqsFixture;

    expect(event.Records.length).toBe(sqsFixture.Records.length);
    for (const record of event.Records) {
      expect([record.eventSourceARN, record.awsRegion]).toEqual([queueArn('shelf-local-imports'), 'us-east-1']);
    }
  });

  it('is undefined for any other trigger', () => {
    const config = serviceConfig();
    const resources = localResources();

    expect(
      sqsService.sampleEvent!({
        config,
        region: 'us-east-1',
        functionKey: 'processUpload',
        resources,
        intrinsics: localIntrinsics(config, resources),
        fixture: () => structuredClone(sqsFixture),
      }),
    ).toBeUndefined();
  });
});
