// SqsChunkQueue's sender: SendMessageBatch within SQS's limits, partial failures retried, errors
// surfaced, and back-pressure when the requests in flight are busy.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  SendMessageBatchCommand,
  SQSClient,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { batchLimits, serialisedNatively, SqsChunkQueue } from '../../../shared/adapters/sqs/chunk-queue';
import type { ImportChunk } from '../../../shared/imports/import-chunk';
import { aChunk, aRow } from './import-fixtures';

const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/shelf-test-imports';
const sqs = mockClient(SQSClient);
const queue = new SqsChunkQueue(new SQSClient({}), queueUrl);

/** A chunk whose JSON is about `kib` KiB. */
const chunkOf = (n: number, kib = 0.2): ImportChunk =>
  aChunk(n, [aRow(n, `SKU-${n}`, { description: 'd'.repeat(Math.max(0, Math.round(kib * 1024) - 200)) })]);

const batches = () => sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
const bodyBytes = (input: SendMessageBatchCommandInput) =>
  (input.Entries ?? []).reduce((sum, entry) => sum + Buffer.byteLength(entry.MessageBody ?? ''), 0);
const sentChunks = () =>
  batches().flatMap((input) => (input.Entries ?? []).map((entry) => JSON.parse(entry.MessageBody!) as ImportChunk));

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('SqsChunkQueue sender', () => {
  it('sends each chunk as a message whose body is the chunk as JSON, with the chunk number as entry id', async () => {
    const sender = queue.sender();
    const chunks = [chunkOf(1), chunkOf(2)];

    for (const chunk of chunks) await sender.send(chunk);
    await sender.flush();

    expect(batches()).toEqual([
      {
        QueueUrl: queueUrl,
        Entries: chunks.map((chunk) => ({ Id: String(chunk.chunk), MessageBody: JSON.stringify(chunk) })),
      },
    ]);
  });

  it('sends nothing when there is nothing to send', async () => {
    const sender = queue.sender();

    await sender.flush();

    expect(sqs).not.toHaveReceivedAnyCommand();
  });

  it('puts at most 10 entries in a batch', async () => {
    const sender = queue.sender();

    for (let n = 1; n <= 25; n++) await sender.send(chunkOf(n));
    await sender.flush();

    expect(batches().map((input) => input.Entries!.length)).toEqual([10, 10, 5]);
    expect(sentChunks().map((c) => c.chunk)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('keeps each batch at or under 240 KiB of message bodies', async () => {
    const sender = queue.sender();

    for (let n = 1; n <= 12; n++) await sender.send(chunkOf(n, 61));
    await sender.flush();

    expect(batches().length).toBeGreaterThanOrEqual(4);
    for (const input of batches()) {
      expect(input.Entries!.length).toBeLessThanOrEqual(batchLimits.maxEntries);
      expect(bodyBytes(input)).toBeLessThanOrEqual(240 * 1024);
    }
    expect(sentChunks().map((c) => c.chunk)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('retries only the entries SQS refused, until they are accepted', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '1', MessageId: 'm1', MD5OfMessageBody: '' }],
        Failed: [
          { Id: '2', SenderFault: false, Code: 'InternalError' },
          { Id: '3', SenderFault: false, Code: 'ServiceUnavailable' },
        ],
      })
      .resolvesOnce({ Failed: [{ Id: '3', SenderFault: false, Code: 'InternalError' }] })
      .resolves({ Failed: [] });
    const sender = queue.sender();

    for (let n = 1; n <= 3; n++) await sender.send(chunkOf(n));
    await sender.flush();

    expect(batches().map((input) => input.Entries!.map((e) => e.Id))).toEqual([['1', '2', '3'], ['2', '3'], ['3']]);
    expect(batches()[1]!.Entries![0]!.MessageBody).toBe(JSON.stringify(chunkOf(2)));
  });

  it('gives up with an error from flush when SQS blames the sender, without retrying', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Failed: [{ Id: '2', SenderFault: true, Code: 'InvalidMessageContents', Message: 'bad character' }],
    });
    const sender = queue.sender();

    for (let n = 1; n <= 3; n++) await sender.send(chunkOf(n));

    await expect(sender.flush()).rejects.toThrow('SQS refused 1 chunk(s): InvalidMessageContents bad character');
    expect(batches()).toHaveLength(1);
  });

  it('gives up after 5 attempts when SQS keeps refusing an entry', async () => {
    jest.useFakeTimers();
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError' }] });
    const sender = queue.sender();
    await sender.send(chunkOf(1));

    const flushed = sender.flush().then(
      () => undefined,
      (error: unknown) => error,
    );
    await jest.advanceTimersByTimeAsync(10_000);

    expect(await flushed).toEqual(new Error('SQS refused 1 chunk(s): InternalError'));
    expect(batches()).toHaveLength(batchLimits.attempts);
  });

  it('surfaces a failed request from flush, and refuses further chunks', async () => {
    sqs.on(SendMessageBatchCommand).rejects(new Error('AWS.SimpleQueueService.NonExistentQueue'));
    const sender = queue.sender();
    for (let n = 1; n <= 10; n++) await sender.send(chunkOf(n));

    await expect(sender.flush()).rejects.toThrow('NonExistentQueue');
    await expect(sender.send(chunkOf(11))).rejects.toThrow('NonExistentQueue');
  });

  it('makes send wait while 4 requests are in flight (back-pressure)', async () => {
    const accepted = { Failed: [], $metadata: {} } as unknown as SendMessageBatchCommandOutput;
    const pending: ((output: SendMessageBatchCommandOutput) => void)[] = [];
    sqs
      .on(SendMessageBatchCommand)
      .callsFake(() => new Promise<SendMessageBatchCommandOutput>((resolve) => pending.push(resolve)));
    const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
    const sender = queue.sender();
    // Chunks 11, 21, 31 and 41 each dispatch the 10 before them: 4 requests in flight.
    for (let n = 1; n <= 50; n++) await sender.send(chunkOf(n));
    expect(pending).toHaveLength(4);

    // Chunk 51 would dispatch a 5th: it waits until one of the 4 is answered.
    let sent = false;
    const waiting = sender.send(chunkOf(51)).then(() => (sent = true));
    await tick();
    expect(sent).toBe(false);
    expect(batches()).toHaveLength(4);

    pending.shift()!(accepted);
    await waiting;
    expect(batches()).toHaveLength(5);

    let flushed = false;
    const flushing = sender.flush().then(() => (flushed = true));
    while (!flushed) {
      pending.splice(0).forEach((answer) => answer(accepted));
      await tick();
    }
    await flushing;
    expect(sentChunks().map((c) => c.chunk)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    expect(batches().map((input) => input.Entries!.length)).toEqual([10, 10, 10, 10, 10, 1]);
  });
});

describe('SendMessageBatch serialised natively', () => {
  /** A real client whose HTTP handler records each request and answers as SQS does, with MD5s. */
  function recordingClient() {
    const requests: { body: string; headers: Record<string, string> }[] = [];
    const client = new SQSClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      requestHandler: {
        handle: (request: { body: string | Uint8Array; headers: Record<string, string> }) => {
          const body = typeof request.body === 'string' ? request.body : Buffer.from(request.body).toString();
          requests.push({ body, headers: request.headers });
          const { Entries } = JSON.parse(body) as { Entries: { Id: string; MessageBody: string }[] };
          const answer = JSON.stringify({
            Successful: Entries.map((entry) => ({
              Id: entry.Id,
              MessageId: `m-${entry.Id}`,
              MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
            })),
            Failed: [],
          });
          return Promise.resolve({
            response: {
              statusCode: 200,
              headers: { 'content-type': 'application/x-amz-json-1.0' },
              body: Readable.from([Buffer.from(answer)]),
            },
          });
        },
      },
    });
    return { client, requests };
  }

  it('sends the same request JSON as the SDK would, message bodies intact, and passes its MD5 check', async () => {
    const chunk = aChunk(1, [aRow(1, 'Q-1', { name: 'Say "hi", \\ é 🍵 \u2028', description: 'two\nlines\u0000' })]);
    const input = {
      QueueUrl: queueUrl,
      Entries: [
        { Id: '1', MessageBody: JSON.stringify(chunk) },
        { Id: '2', MessageBody: 'plain' },
      ],
    };
    sqs.restore();
    const native = recordingClient();
    const sdk = recordingClient();

    const answer = await native.client.send(serialisedNatively(new SendMessageBatchCommand(input)));
    await sdk.client.send(new SendMessageBatchCommand(input));

    expect(answer.Successful?.map((entry) => entry.Id)).toEqual(['1', '2']);
    expect(JSON.parse(native.requests[0]!.body)).toEqual(JSON.parse(sdk.requests[0]!.body));
    expect(JSON.parse(native.requests[0]!.body)).toEqual(input);
    expect(native.requests[0]!.headers['content-length']).toBe(String(Buffer.byteLength(native.requests[0]!.body)));
    expect(native.requests[0]!.headers['x-amz-target']).toBe(sdk.requests[0]!.headers['x-amz-target']);
  });
});
