/**
 * The import queue (ImportQueue, infra/resources/queues.yml). Chunks go out with
 * SendMessageBatch, up to 10 messages and under SQS's 256 KiB per request, with a few requests in
 * flight; `send` waits when they are all busy, which slows the file reader down to the queue's pace.
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import type { ImportChunk } from '../../imports/import-chunk';
import type { ChunkQueue, ChunkSender } from '../../imports/import-ports';

export const batchLimits = { maxEntries: 10, maxBytes: 240 * 1024, inFlight: 4, attempts: 5 } as const;

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
    const body = JSON.stringify(chunk);
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
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
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
