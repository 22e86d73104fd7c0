/**
 * npm run redrive -- [--stage local|<stage>] [--queue ImportQueue] [--max N] [--dry-run] [--region R]
 *
 * Moves the messages of a queue's dead-letter queue back to the queue, once the cause of their
 * failure is fixed. The dead-letter queue is the one the queue's RedrivePolicy names in
 * serverless.yml. Locally the queues are found through the running stack's stack.json (written by
 * `npm start`); for a deployed stage by name (GetQueueUrl), with the default AWS credentials.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { localCredentials } from '../local/aws/local-credentials';
import { localDataDir } from '../local/data-dir';
import { loadServiceConfig, type ServiceConfig } from '../service-config';

export interface RedriveOptions {
  sqs: SQSClient;
  sourceQueueUrl: string;
  deadLetterQueueUrl: string;
  /** At most this many messages; all of them when absent. */
  max?: number;
  /** Count what waits in the dead-letter queue, touching nothing. */
  dryRun?: boolean;
  /** Long polling, so that an empty answer means an empty queue (short polls sample some servers). */
  waitTimeSeconds?: number;
}

export interface RedriveResult {
  /** Sent to the source queue and deleted from the dead-letter queue. */
  moved: number;
  /** Not sent: they stay in the dead-letter queue (visible again after its visibility timeout). */
  notSent: number;
  /** Sent but not deleted: they are now in both queues. */
  notDeleted: number;
  /** A dry run's count of the visible messages in the dead-letter queue. */
  waiting?: number;
}

/** SendMessageBatch's limit is on the whole request; 256 KiB fits every SQS quota there has been. */
const batchBytes = 256 * 1024;

function sendable(attributes: Record<string, MessageAttributeValue> | undefined) {
  if (!attributes || !Object.keys(attributes).length) return undefined;
  // The list values are reserved by SQS and refused on send.
  return Object.fromEntries(
    Object.entries(attributes).map(([name, { DataType, StringValue, BinaryValue }]) => [
      name,
      { DataType, ...(StringValue !== undefined ? { StringValue } : {}), ...(BinaryValue ? { BinaryValue } : {}) },
    ]),
  );
}

/** The message as it was sent: body, attributes, trace header and, for FIFO queues, its group. */
export function resendEntry(message: Message, id: string, fifo: boolean): SendMessageBatchRequestEntry {
  const { AWSTraceHeader, MessageGroupId, MessageDeduplicationId } = message.Attributes ?? {};
  const MessageAttributes = sendable(message.MessageAttributes);
  return {
    Id: id,
    MessageBody: message.Body ?? '',
    ...(MessageAttributes ? { MessageAttributes } : {}),
    ...(AWSTraceHeader
      ? { MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: AWSTraceHeader } } }
      : {}),
    ...(fifo && MessageGroupId ? { MessageGroupId } : {}),
    ...(fifo && MessageDeduplicationId ? { MessageDeduplicationId } : {}),
  };
}

function entryBytes(entry: SendMessageBatchRequestEntry): number {
  let bytes = Buffer.byteLength(entry.MessageBody ?? '');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += Buffer.byteLength(value.StringValue ?? '') + (value.BinaryValue?.byteLength ?? 0);
  }
  return bytes;
}

/** Entries in requests of at most ten that stay under the request size limit. */
export function sendBatches(entries: SendMessageBatchRequestEntry[]): SendMessageBatchRequestEntry[][] {
  const batches: SendMessageBatchRequestEntry[][] = [];
  let current: SendMessageBatchRequestEntry[] = [];
  let size = 0;
  for (const entry of entries) {
    const bytes = entryBytes(entry);
    if (current.length && (current.length === 10 || size + bytes > batchBytes)) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(entry);
    size += bytes;
  }
  if (current.length) batches.push(current);
  return batches;
}

export async function redrive({
  sqs,
  sourceQueueUrl,
  deadLetterQueueUrl,
  max = Infinity,
  dryRun = false,
  waitTimeSeconds = 1,
}: RedriveOptions): Promise<RedriveResult> {
  if (dryRun) {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return { moved: 0, notSent: 0, notDeleted: 0, waiting: Number(Attributes?.ApproximateNumberOfMessages ?? 0) };
  }
  const fifo = sourceQueueUrl.endsWith('.fifo');
  const result: RedriveResult = { moved: 0, notSent: 0, notDeleted: 0 };
  while (result.moved < max) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(10, max - result.moved),
        MessageSystemAttributeNames: ['All'],
        // local-aws-sqs reads the older name; SQS takes either.
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: waitTimeSeconds,
      }),
    );
    if (!Messages.length) break;

    const sent: Message[] = [];
    for (const batch of sendBatches(Messages.map((message, i) => resendEntry(message, String(i), fifo)))) {
      const { Successful = [] } = await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: sourceQueueUrl, Entries: batch }),
      );
      sent.push(...Successful.map(({ Id }) => Messages[Number(Id)]!));
    }
    result.notSent += Messages.length - sent.length;

    if (sent.length) {
      const { Successful = [] } = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: deadLetterQueueUrl,
          Entries: sent.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
      result.moved += Successful.length;
      result.notDeleted += sent.length - Successful.length;
    }
    // Nothing of a whole batch went through: something is wrong beyond one message; stop here.
    if (!sent.length) break;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// The command

export interface QueueReference {
  /** The logical id in serverless.yml's resources, when the reference names one. */
  id?: string;
  /** The queue's name, when known without a deployment. */
  name?: string;
}

function queueName(config: ServiceConfig, id: string): string | undefined {
  const name = config.resources.Resources[id]?.Properties?.QueueName;
  return typeof name === 'string' ? name : undefined;
}

/** The queue and the dead-letter queue its RedrivePolicy names (GetAtt, either form, or an ARN). */
export function redriveQueues(
  config: ServiceConfig,
  queueId: string,
): { source: QueueReference & { id: string }; deadLetter: QueueReference } {
  const resources = config.resources.Resources;
  const withRedrive = Object.keys(resources).filter(
    (id) => resources[id]!.Type === 'AWS::SQS::Queue' && resources[id]!.Properties?.RedrivePolicy,
  );
  const queue = resources[queueId];
  const target = (queue?.Properties?.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)
    ?.deadLetterTargetArn;
  if (queue?.Type !== 'AWS::SQS::Queue' || target === undefined) {
    throw new Error(
      `${queueId} is not a queue with a RedrivePolicy in serverless.yml; these are: ${withRedrive.join(', ') || 'none'}`,
    );
  }
  const source = { id: queueId, name: queueName(config, queueId) };
  if (typeof target === 'string') return { source, deadLetter: { name: target.split(':').at(-1) } };
  const getAtt = (target as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
  const [id, attribute] = Array.isArray(getAtt)
    ? (getAtt as string[])
    : typeof getAtt === 'string'
      ? getAtt.split('.')
      : [];
  if (!id || attribute !== 'Arn') {
    throw new Error(`${queueId}'s deadLetterTargetArn ${JSON.stringify(target)} names no queue this script can find`);
  }
  return { source, deadLetter: { id, name: queueName(config, id) } };
}

interface StackFile {
  region: string;
  endpoints: { sqs: string };
  resources: Record<string, { ref: string; arn?: string }>;
}

function readStackFile(): { stack: StackFile; path: string } {
  const path = join(localDataDir(), 'stack.json');
  try {
    return { stack: JSON.parse(readFileSync(path, 'utf8')) as StackFile, path };
  } catch {
    throw new Error(`No local stack found (${path} is missing): is npm start running?`);
  }
}

function localQueueUrl(stack: StackFile, reference: QueueReference): string {
  const found = Object.entries(stack.resources).find(
    ([id, resource]) =>
      id === reference.id || (reference.name !== undefined && resource.ref.split('/').at(-1) === reference.name),
  );
  if (!found) throw new Error(`The local stack has no queue ${reference.id ?? reference.name}`);
  return found[1].ref;
}

async function deployedQueueUrl(sqs: SQSClient, reference: QueueReference): Promise<string> {
  if (!reference.name) {
    throw new Error(`${reference.id} has no QueueName in serverless.yml, so its deployed name is not known here`);
  }
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: reference.name }));
  return QueueUrl!;
}

function positiveInteger(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new Error(`--${option} must be a whole number above 0, not "${value}"`);
  return parsed;
}

async function main() {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string', default: 'local' },
      queue: { type: 'string', default: 'ImportQueue' },
      max: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      region: { type: 'string' },
    },
  });
  const max = positiveInteger('max', values.max);
  const { stage, queue } = values;
  const { source, deadLetter } = redriveQueues(await loadServiceConfig(stage), queue);

  let sqs: SQSClient;
  let localEndpoint: string | undefined;
  let sourceQueueUrl: string;
  let deadLetterQueueUrl: string;
  if (stage === 'local') {
    const { stack } = readStackFile();
    localEndpoint = stack.endpoints.sqs;
    sqs = new SQSClient({
      region: values.region ?? stack.region,
      endpoint: localEndpoint,
      credentials: localCredentials,
    });
    sourceQueueUrl = localQueueUrl(stack, source);
    deadLetterQueueUrl = localQueueUrl(stack, deadLetter);
  } else {
    sqs = new SQSClient(values.region ? { region: values.region } : {});
    sourceQueueUrl = await deployedQueueUrl(sqs, source);
    deadLetterQueueUrl = await deployedQueueUrl(sqs, deadLetter);
  }
  const from = deadLetterQueueUrl.split('/').at(-1);
  const to = sourceQueueUrl.split('/').at(-1);

  try {
    const result = await redrive({ sqs, sourceQueueUrl, deadLetterQueueUrl, max, dryRun: values['dry-run'] });
    if (result.waiting !== undefined) {
      const would = Math.min(result.waiting, max ?? Infinity);
      console.log(`Dry run: ${result.waiting} message(s) wait in ${from}; ${would} would be moved to ${to}.`);
      return;
    }
    console.log(`Moved ${result.moved} message(s) from ${from} to ${to}.`);
    if (result.notSent) console.error(`${result.notSent} could not be sent and stay in ${from}.`);
    if (result.notDeleted) {
      console.error(`${result.notDeleted} were sent but not deleted from ${from}: they are now in both queues.`);
    }
    if (result.notSent || result.notDeleted) process.exitCode = 1;
  } catch (error) {
    // A stack.json left by a stack that was killed rather than stopped.
    if (localEndpoint && (error as { code?: string }).code === 'ECONNREFUSED') {
      throw new Error(`The local SQS at ${localEndpoint} does not answer: is npm start running?`, { cause: error });
    }
    throw error;
  } finally {
    sqs.destroy();
  }
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
