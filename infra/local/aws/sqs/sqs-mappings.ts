/**
 * SQS event source mappings (a function's `sqs` events in serverless.yml) on the one poller core
 * (lambda/event-source-poller.ts, queue mode): how SQS is received from and settled, and the event
 * Lambda sends. Redelivery and the dead-letter queue are the queue's own (its visibility timeout,
 * receive count and RedrivePolicy), as in AWS.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttribute, SQSRecord } from 'aws-lambda';
import type { ServiceConfig, SqsEventSource } from '../../../service-config';
import type { BatchSettlement, QueueMapping, QueueSource } from '../../lambda/event-source-poller';
import type { Intrinsics, LocalResource } from '../../local-resources';

export interface SqsMapping extends QueueMapping {
  queueId: string;
  queueUrl: string;
  queueArn: string;
  enabled: boolean;
}

/** Lambda starts with five concurrent batches per mapping when no maximum is set. */
const defaultConcurrency = 5;

export function sqsMappings(
  config: ServiceConfig,
  resources: Map<string, LocalResource>,
  intrinsics: Intrinsics,
): SqsMapping[] {
  const mappings: SqsMapping[] = [];
  for (const [functionKey, fn] of Object.entries(config.functions)) {
    for (const event of fn.events ?? []) {
      if (!('sqs' in event)) continue;
      const declared = event.sqs as SqsEventSource | string;
      const source: SqsEventSource = typeof declared === 'string' ? { arn: declared } : declared;
      if (source.filterPatterns?.length) {
        throw new Error(`${functionKey}: sqs filterPatterns are not applied by the local event sources`);
      }
      const arn = String(intrinsics.resolve(source.arn));
      const queue = [...resources].find(([, r]) => r.type === 'AWS::SQS::Queue' && r.arn === arn);
      if (!queue) throw new Error(`${functionKey}: its sqs event's queue ${arn} was not created locally`);
      const [queueId, { ref: queueUrl }] = queue;
      mappings.push({
        functionKey,
        queueId,
        queueUrl,
        queueArn: arn,
        batchSize: source.batchSize ?? 10,
        maximumBatchingWindowSeconds: source.maximumBatchingWindow ?? 0,
        reportBatchItemFailures: source.functionResponseType === 'ReportBatchItemFailures',
        maximumConcurrency: Math.max(
          1,
          Math.min(source.maximumConcurrency ?? defaultConcurrency, fn.reservedConcurrency ?? Infinity),
        ),
        enabled: source.enabled ?? true,
      });
    }
  }
  return mappings;
}

/** Lambda's shape of a message attribute: camel case, base64 binaries, both lists present. */
export function toLambdaMessageAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, SQSMessageAttribute> {
  const base64 = (value: Uint8Array) => Buffer.from(value).toString('base64');
  return Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, value]) => [
      name,
      {
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map(base64),
        dataType: value.DataType ?? 'String',
      },
    ]),
  );
}

/** The four attributes every record has, first and in Lambda's order; any others after them. */
const recordAttributeOrder = [
  'ApproximateReceiveCount',
  'SentTimestamp',
  'SenderId',
  'ApproximateFirstReceiveTimestamp',
];

export function toSqsEvent(messages: Message[], queueArn: string, region: string): SQSEvent {
  return {
    Records: messages.map((message): SQSRecord => {
      const received = message.Attributes ?? {};
      const attributes = Object.fromEntries([
        ...recordAttributeOrder.map((name) => [name, received[name as keyof typeof received] ?? '']),
        ...Object.entries(received).filter(([name, value]) => !recordAttributeOrder.includes(name) && value),
      ]) as unknown as SQSRecord['attributes'];
      return {
        messageId: message.MessageId!,
        receiptHandle: message.ReceiptHandle!,
        body: message.Body ?? '',
        attributes,
        messageAttributes: toLambdaMessageAttributes(message.MessageAttributes),
        md5OfBody: message.MD5OfBody ?? '',
        ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: region,
      };
    }),
  };
}

/**
 * A queue as the poller reads it. `failedRecordRetrySeconds`: a record the function failed on
 * comes back after this long instead of the queue's whole visibility timeout (360 s for the import
 * queue: six times the function's timeout, as AWS asks, so that a batch still running is never
 * delivered twice), so retries and the trip to the dead-letter queue take seconds locally.
 */
export function sqsQueueSource(
  sqs: SQSClient,
  mapping: SqsMapping,
  region: string,
  options: { failedRecordRetrySeconds: number; log: (line: string) => void },
): QueueSource<Message> {
  const label = `SQS ${mapping.queueId}`;
  return {
    label,
    async receive(max, signal) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: mapping.queueUrl,
          MaxNumberOfMessages: max,
          // local-aws-sqs reads the older AttributeNames; SQS takes either.
          MessageSystemAttributeNames: ['All'],
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          // local-aws-sqs's long polling does not return early when a message arrives.
          WaitTimeSeconds: 0,
        }),
        { abortSignal: signal },
      );
      return Messages;
    },
    id: (message) => message.MessageId!,
    size: (message) => Buffer.byteLength(message.Body ?? '') + 1024,
    toEvent: (messages) => toSqsEvent(messages, mapping.queueArn, region),
    async settle(messages: Message[], settlement: BatchSettlement) {
      const deleting = messages.filter((m) => settlement.delete.includes(m.MessageId!));
      const undeleted: string[] = [];
      for (let start = 0; start < deleting.length; start += 10) {
        const entries = deleting
          .slice(start, start + 10)
          .map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! }));
        try {
          const { Failed = [] } = await sqs.send(
            new DeleteMessageBatchCommand({ QueueUrl: mapping.queueUrl, Entries: entries }),
          );
          undeleted.push(...Failed.map((f) => f.Message ?? f.Code ?? 'failed'));
        } catch (error) {
          undeleted.push(...entries.map(() => (error as Error).message));
        }
      }
      // Local time: what failed comes back in seconds; AWS would leave it hidden for the rest of
      // its visibility timeout. Receive counts, and so the dead-letter queue, are as in AWS.
      const failing = messages.filter((m) => settlement.failed.includes(m.MessageId!));
      for (let start = 0; start < failing.length; start += 10) {
        const entries = failing.slice(start, start + 10).map((m, i) => ({
          Id: String(i),
          ReceiptHandle: m.ReceiptHandle!,
          VisibilityTimeout: options.failedRecordRetrySeconds,
        }));
        await sqs
          .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: mapping.queueUrl, Entries: entries }))
          .catch((error: Error) =>
            options.log(`${label}: could not bring failed records back early (${error.message})`),
          );
      }
      return undeleted.length ? `${undeleted.length} not deleted: ${undeleted[0]}` : undefined;
    },
  };
}
