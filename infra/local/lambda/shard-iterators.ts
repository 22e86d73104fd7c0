/**
 * The shard iterators a stream reader holds, one a shard, as Lambda's event source mapping uses
 * them with Kinesis and DynamoDB Streams. An iterator is a position: the one GetRecords handed back
 * is used again while the poller asks for what follows the last record returned; asked for
 * anything else (a first read, a retry from an earlier checkpoint), a new one is taken. An iterator
 * left unused expires (ExpiredIteratorException; 5 minutes on Kinesis, 15 on DynamoDB Streams): a
 * new one is taken from the same place. Each reader supplies its API's calls (ShardIteratorApi).
 */
import type { ShardRead, StartingPosition } from './stream-source';

/** Where a read starts: after the sequence number `after`, or at `startingPosition` when it is unset. */
export interface ReadFrom {
  after?: string;
  startingPosition: StartingPosition;
}

/** A stream API's calls, as a reader makes them. */
export interface ShardIteratorApi<R> {
  /** GetShardIterator: AFTER_SEQUENCE_NUMBER `from.after`, or `from.startingPosition` when it is unset. */
  newIterator(shardId: string, from: ReadFrom, signal?: AbortSignal): Promise<string>;
  /** GetRecords: up to `limit` records and the iterator after them (none: the shard is closed and read to its end). */
  getRecords(iterator: string, limit: number, signal?: AbortSignal): Promise<{ records: R[]; nextIterator?: string }>;
  sequenceNumber(record: R): string;
  /** True for the API's ExpiredIteratorException. */
  isExpired(error: unknown): boolean;
}

interface HeldIterator {
  iterator: string;
  /** The sequence number of the last record read with it: where it stands (unset: the starting position). */
  after: string | undefined;
}

export class ShardIterators<R> {
  private readonly held = new Map<string, HeldIterator>();

  constructor(private readonly api: ShardIteratorApi<R>) {}

  /** Up to `limit` records of the shard from `from`, with the iterator held or a new one. */
  async read(shardId: string, from: ReadFrom, limit: number, signal?: AbortSignal): Promise<ShardRead<R>> {
    const held = this.held.get(shardId);
    // The iterator held stands right after `from.after` only if the last read ended there; a retry
    // from an earlier checkpoint (or a first read) needs a new one.
    let iterator = held && held.after === from.after ? held.iterator : undefined;
    let page;
    try {
      iterator ??= await this.api.newIterator(shardId, from, signal);
      page = await this.api.getRecords(iterator, limit, signal);
    } catch (error) {
      if (!this.api.isExpired(error)) throw error;
      page = await this.api.getRecords(await this.api.newIterator(shardId, from, signal), limit, signal);
    }
    const { records, nextIterator } = page;
    const last = records.at(-1);
    if (nextIterator) {
      this.held.set(shardId, { iterator: nextIterator, after: last ? this.api.sequenceNumber(last) : from.after });
    } else {
      this.held.delete(shardId);
    }
    // No next iterator: the shard is closed and read to its end.
    return { records, end: !nextIterator };
  }

  /** Drops the shard's iterator (the shard is gone). */
  forget(shardId: string): void {
    this.held.delete(shardId);
  }

  clear(): void {
    this.held.clear();
  }
}
