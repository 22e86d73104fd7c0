import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { redrive, redriveQueues, resendEntry, sendBatches } from '../../../infra/ops/redrive';
import type { ServiceConfig } from '../../../infra/service-config';

const sourceQueueUrl = 'http://127.0.0.1:9324/123456789012/shelf-local-imports';
const deadLetterQueueUrl = 'http://127.0.0.1:9324/123456789012/shelf-local-imports-dlq';

const sqsMock = mockClient(SQSClient);
const sqs = new SQSClient({ region: 'us-east-1' });

function message(n: number, extra: Partial<Message> = {}): Message {
  return {
    MessageId: `dlq-${n}`,
    ReceiptHandle: `receipt-${n}`,
    Body: `{"importId":"imp-1","chunk":${n}}`,
    Attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1', SenderId: 'S' },
    MessageAttributes: { importId: { DataType: 'String', StringValue: 'imp-1', StringListValues: [] } },
    ...extra,
  };
}

/** Every SendMessageBatch entry succeeds; every delete too. */
function acceptEverything() {
  sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries?: { Id?: string }[] }) => ({
    Successful: input.Entries!.map(({ Id }) => ({ Id, MessageId: `new-${Id}`, MD5OfMessageBody: 'md5' })),
    Failed: [],
  }));
  sqsMock.on(DeleteMessageBatchCommand).callsFake((input: { Entries?: { Id?: string }[] }) => ({
    Successful: input.Entries!.map(({ Id }) => ({ Id })),
    Failed: [],
  }));
}

beforeEach(() => {
  sqsMock.reset();
});

describe('redrive', () => {
  it('moves every message back to the source queue and deletes it from the dead-letter queue', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(1), message(2)] })
      .resolvesOnce({ Messages: [message(3)] })
      .resolves({});
    acceptEverything();

    const result = await redrive({ sqs, sourceQueueUrl, deadLetterQueueUrl, waitTimeSeconds: 0 });

    expect(result).toEqual({ moved: 3, notSent: 0, notDeleted: 0 });
    expect(sqsMock).toHaveReceivedCommandWith(ReceiveMessageCommand, {
      QueueUrl: deadLetterQueueUrl,
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    });
    const sent = sqsMock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
    expect(sent.map((input) => input.QueueUrl)).toEqual([sourceQueueUrl, sourceQueueUrl]);
    expect(sent.flatMap((input) => input.Entries!.map((e) => e.MessageBody))).toEqual([
      '{"importId":"imp-1","chunk":1}',
      '{"importId":"imp-1","chunk":2}',
      '{"importId":"imp-1","chunk":3}',
    ]);
    const deleted = sqsMock.commandCalls(DeleteMessageBatchCommand).map((call) => call.args[0].input);
    expect(deleted.map((input) => input.QueueUrl)).toEqual([deadLetterQueueUrl, deadLetterQueueUrl]);
    expect(deleted.flatMap((input) => input.Entries!.map((e) => e.ReceiptHandle))).toEqual([
      'receipt-1',
      'receipt-2',
      'receipt-3',
    ]);
  });

  it('keeps the message attributes (without the reserved list values)', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(1)] })
      .resolves({});
    acceptEverything();

    await redrive({ sqs, sourceQueueUrl, deadLetterQueueUrl, waitTimeSeconds: 0 });

    expect(sqsMock).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: sourceQueueUrl,
      Entries: [
        {
          Id: '0',
          MessageBody: '{"importId":"imp-1","chunk":1}',
          MessageAttributes: { importId: { DataType: 'String', StringValue: 'imp-1' } },
        },
      ],
    });
  });

  it('deletes only the messages that were sent; the others stay in the dead-letter queue', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(1), message(2), message(3)] })
      .resolves({});
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [
        { Id: '0', MessageId: 'new-0', MD5OfMessageBody: 'md5' },
        { Id: '2', MessageId: 'new-2', MD5OfMessageBody: 'md5' },
      ],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
    });
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }, { Id: '1' }], Failed: [] });

    const result = await redrive({ sqs, sourceQueueUrl, deadLetterQueueUrl, waitTimeSeconds: 0 });

    expect(result).toEqual({ moved: 2, notSent: 1, notDeleted: 0 });
    expect(sqsMock).toHaveReceivedCommandWith(DeleteMessageBatchCommand, {
      QueueUrl: deadLetterQueueUrl,
      Entries: [
        { Id: '0', ReceiptHandle: 'receipt-1' },
        { Id: '1', ReceiptHandle: 'receipt-3' },
      ],
    });
  });

  it('counts messages that were sent but not deleted', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(1), message(2)] })
      .resolves({});
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [
        { Id: '0', MessageId: 'n0', MD5OfMessageBody: 'm' },
        { Id: '1', MessageId: 'n1', MD5OfMessageBody: 'm' },
      ],
      Failed: [],
    });
    sqsMock.on(DeleteMessageBatchCommand).resolves({
      Successful: [{ Id: '0' }],
      Failed: [{ Id: '1', Code: 'ReceiptHandleIsInvalid', SenderFault: true }],
    });

    const result = await redrive({ sqs, sourceQueueUrl, deadLetterQueueUrl, waitTimeSeconds: 0 });

    expect(result).toEqual({ moved: 1, notSent: 0, notDeleted: 1 });
  });

  it('stops when nothing of a batch could be sent, instead of going round again', async () => {
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [message(1)] });
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', Code: 'AccessDenied', SenderFault: true }],
    });

    const result = await redrive({ sqs, sourceQueueUrl, deadLetterQueueUrl, waitTimeSeconds: 0 });

    expect(result).toEqual({ moved: 0, notSent: 1, notDeleted: 0 });
    expect(sqsMock).toHaveReceivedCommandTimes(ReceiveMessageCommand, 1);
    expect(sqsMock).not.toHaveReceivedCommand(DeleteMessageBatchCommand);
  });

  it('moves at most --max messages, asking for no more than it may move', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(1), message(2)] })
      .resolvesOnce({ Messages: [message(3)] })
      .resolves({ Messages: [message(9)] });
    acceptEverything();

    const result = await redrive({ sqs, sourceQueueUrl, deadLetterQueueUrl, max: 3, waitTimeSeconds: 0 });

    expect(result.moved).toBe(3);
    expect(sqsMock.commandCalls(ReceiveMessageCommand).map((call) => call.args[0].input.MaxNumberOfMessages)).toEqual([
      3, 1,
    ]);
  });

  it('only counts on a dry run', async () => {
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '7' } });

    const result = await redrive({ sqs, sourceQueueUrl, deadLetterQueueUrl, dryRun: true });

    expect(result).toEqual({ moved: 0, notSent: 0, notDeleted: 0, waiting: 7 });
    expect(sqsMock).toHaveReceivedCommandWith(GetQueueAttributesCommand, { QueueUrl: deadLetterQueueUrl });
    expect(sqsMock).not.toHaveReceivedCommand(ReceiveMessageCommand);
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageBatchCommand);
    expect(sqsMock).not.toHaveReceivedCommand(DeleteMessageBatchCommand);
  });
});

describe('resending a message', () => {
  it('keeps the trace header, and the group and deduplication id for a FIFO queue only', () => {
    const received = message(1, {
      Attributes: {
        AWSTraceHeader: 'Root=1-abc',
        MessageGroupId: 'imp-1',
        MessageDeduplicationId: 'imp-1-1',
      },
      MessageAttributes: { raw: { DataType: 'Binary', BinaryValue: Buffer.from('hi'), BinaryListValues: [] } },
    });

    expect(resendEntry(received, '4', true)).toEqual({
      Id: '4',
      MessageBody: '{"importId":"imp-1","chunk":1}',
      MessageAttributes: { raw: { DataType: 'Binary', BinaryValue: Buffer.from('hi') } },
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-abc' } },
      MessageGroupId: 'imp-1',
      MessageDeduplicationId: 'imp-1-1',
    });
    expect(resendEntry(received, '4', false)).not.toHaveProperty('MessageGroupId');
    expect(resendEntry(message(2, { MessageAttributes: {} }), '0', false)).toEqual({
      Id: '0',
      MessageBody: '{"importId":"imp-1","chunk":2}',
    });
  });

  it('splits sends at ten entries and before the request size limit', () => {
    const entry = (id: number, kib: number) => ({ Id: String(id), MessageBody: 'x'.repeat(kib * 1024) });
    const small = Array.from({ length: 12 }, (_, i) => entry(i, 1));
    const large = [entry(0, 200), entry(1, 100), entry(2, 50), entry(3, 300)];

    expect(sendBatches(small).map((batch) => batch.length)).toEqual([10, 2]);
    expect(sendBatches(large).map((batch) => batch.map((e) => e.Id))).toEqual([['0'], ['1', '2'], ['3']]);
  });
});

describe('finding the dead-letter queue in serverless.yml', () => {
  const config = (deadLetterTargetArn: unknown): ServiceConfig => ({
    service: 'shelf',
    provider: { region: 'us-east-1', stage: 'dev' },
    functions: {},
    resources: {
      Resources: {
        ImportQueue: {
          Type: 'AWS::SQS::Queue',
          Properties: { QueueName: 'shelf-dev-imports', RedrivePolicy: { deadLetterTargetArn, maxReceiveCount: 5 } },
        },
        ImportDeadLetterQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'shelf-dev-imports-dlq' } },
        CatalogTable: { Type: 'AWS::DynamoDB::Table' },
      },
    },
  });

  it('follows the RedrivePolicy to the dead-letter queue and both queue names', () => {
    const expected = {
      source: { id: 'ImportQueue', name: 'shelf-dev-imports' },
      deadLetter: { id: 'ImportDeadLetterQueue', name: 'shelf-dev-imports-dlq' },
    };

    expect(redriveQueues(config({ 'Fn::GetAtt': ['ImportDeadLetterQueue', 'Arn'] }), 'ImportQueue')).toEqual(expected);
    expect(redriveQueues(config({ 'Fn::GetAtt': 'ImportDeadLetterQueue.Arn' }), 'ImportQueue')).toEqual(expected);
    expect(redriveQueues(config('arn:aws:sqs:us-east-1:123456789012:shelf-dev-imports-dlq'), 'ImportQueue')).toEqual({
      source: expected.source,
      deadLetter: { name: 'shelf-dev-imports-dlq' },
    });
  });

  it('names the queues that have a RedrivePolicy when asked for one that has none', () => {
    const declared = config({ 'Fn::GetAtt': ['ImportDeadLetterQueue', 'Arn'] });

    expect(() => redriveQueues(declared, 'ImportDeadLetterQueue')).toThrow(
      'ImportDeadLetterQueue is not a queue with a RedrivePolicy in serverless.yml; these are: ImportQueue',
    );
    expect(() => redriveQueues(declared, 'CatalogTable')).toThrow(/these are: ImportQueue/);
  });
});
