/**
 * The import queue (ImportQueue, infra/resources/queues.yml). Chunks go out with
 * SendMessageBatch, up to 10 messages and under SQS's 256 KiB per request, with a few requests in
 * flight; `send` waits when they are all busy, which slows the file reader down to the queue's pace.
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { ImportChunk } from '../../imports/import-chunk';
import type { ChunkQueue, ChunkSender } from '../../imports/import-ports';

export const batchLimits = { maxEntries: 10, maxBytes: 240 * 1024, inFlight: 4, attempts: 5 } as const;

/** The message a chunk travels in: the chunk's JSON, which the worker parses with its schema. */
export const chunkMessageBody = (chunk: ImportChunk): string => JSON.stringify(chunk);

export class SqsChunkQueue implements ChunkQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  sender(): ChunkSender {
    return new SqsChunkSender(this.client, this.queueUrl);
  }
}

class SqsChunkSender implements ChunkSender {
  private entries: SendMessageBatchRequestEntry[] = [];
  private bytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure?: Error;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(chunk: ImportChunk): Promise<void> {
    this.throwIfFailed();
    const body = chunkMessageBody(chunk);
    const size = Buffer.byteLength(body);
    if (this.entries.length >= batchLimits.maxEntries || this.bytes + size > batchLimits.maxBytes) {
      await this.dispatch();
    }
    this.entries.push({ Id: String(chunk.chunk), MessageBody: body });
    this.bytes += size;
  }

  async flush(): Promise<void> {
    await this.dispatch();
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  /** Sends the gathered entries; waits first if the most requests allowed are in flight. */
  private async dispatch(): Promise<void> {
    if (this.entries.length === 0) return;
    while (this.inFlight.size >= batchLimits.inFlight) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const request = this.sendBatch(this.entries).catch((error: unknown) => {
      this.failure ??= error instanceof Error ? error : new Error(String(error));
    });
    const tracked = request.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    this.entries = [];
    this.bytes = 0;
  }

  /** SendMessageBatch can accept some entries and refuse others: the refused ones are retried. */
  private async sendBatch(entries: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const { Failed = [] } = await this.client.send(
        serialisedNatively(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending })),
      );
      if (Failed.length === 0) return;
      if (attempt >= batchLimits.attempts || Failed.some((f) => f.SenderFault)) {
        const first = Failed[0]!;
        throw new Error(`SQS refused ${Failed.length} chunk(s): ${first.Code} ${first.Message ?? ''}`.trim());
      }
      const failedIds = new Set(Failed.map((f) => f.Id));
      pending = pending.filter((entry) => failedIds.has(entry.Id));
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

/**
 * The SDK writes a request's JSON one character at a time in JavaScript (@smithy/core's JSON
 * codec): for chunks, which are JSON themselves (every quote escaped once more), that cost more
 * CPU than parsing and checking the file (bench/results.md). V8's JSON.stringify writes the same
 * JSON natively. So the SDK serialises the request with empty message bodies, and the body is then
 * replaced by JSON.stringify of the real input (AWS JSON 1.0: the input's members as they are),
 * as UTF-8 bytes, before it is signed. The SDK's MD5 check of the answer (an initialize step) sees the real input.
 */
export function serialisedNatively(command: SendMessageBatchCommand): SendMessageBatchCommand {
  const input: SendMessageBatchCommandInput = command.input;
  command.middlewareStack.add(
    (next) => (args) =>
      next({ ...args, input: { ...input, Entries: input.Entries?.map((entry) => ({ ...entry, MessageBody: '' })) } }),
    { step: 'serialize', priority: 'high', name: 'chunkQueueEmptyBodies' },
  );
  command.middlewareStack.add(
    (next) => (args) => {
      // The HTTP request the serialiser built (@smithy/protocol-http's HttpRequest).
      const request = args.request as { headers: Record<string, string>; body?: unknown };
      // Bytes, encoded once: the signer hashes them and the socket writes them as they are (a
      // string body is encoded to UTF-8 twice, once for each).
      const body = Buffer.from(JSON.stringify(input));
      const headers = Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== 'content-length');
      request.body = body;
      request.headers = { ...Object.fromEntries(headers), 'content-length': String(body.length) };
      return next(args);
    },
    { step: 'build', priority: 'high', name: 'chunkQueueNativeJson' },
  );
  return command;
}
