/**
 * Reads a local Kinesis stream for the stream poller (infra/local/lambda/event-source-poller.ts),
 * the way Lambda's event source mapping does: ListShards, then per shard an iterator from
 * GetShardIterator (TRIM_HORIZON or LATEST the first time, AFTER_SEQUENCE_NUMBER from a
 * checkpoint) and GetRecords with the iterator each answer hands on. An iterator expires after
 * five minutes unused: a new one is taken from the checkpoint (lambda/shard-iterators.ts holds them).
 */
import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type _Record as KinesisRecord,
  type KinesisClient,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { ShardIterators, type ReadFrom } from '../../lambda/shard-iterators';
import type { ShardRead, StreamReader, StreamShard } from '../../lambda/stream-source';

/** What a record adds to an event besides its data (the JSON around it, the ids, the ARNs). */
const recordEnvelopeBytes = 500;

export class KinesisStreamReader implements StreamReader<KinesisRecord> {
  private readonly iterators = new ShardIterators<KinesisRecord>({
    newIterator: (shardId, from, signal) => this.newIterator(shardId, from, signal),
    getRecords: (iterator, limit, signal) => this.getRecords(iterator, limit, signal),
    sequenceNumber: (record) => this.sequenceNumber(record),
    isExpired: (error) => error instanceof ExpiredIteratorException,
  });

  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    readonly streamArn: string,
    /** Set when the reader was given a client of its own: close() then destroys it. */
    private readonly ownsClient = false,
  ) {}

  async listShards(): Promise<StreamShard[]> {
    const shards: StreamShard[] = [];
    let nextToken: string | undefined;
    do {
      // With a NextToken, Kinesis refuses the stream name.
      const page = await this.client.send(
        new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: this.streamName }),
      );
      for (const shard of page.Shards ?? []) {
        shards.push({
          shardId: shard.ShardId!,
          ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return shards;
  }

  read(shardId: string, from: ReadFrom, limit: number, signal?: AbortSignal): Promise<ShardRead<KinesisRecord>> {
    return this.iterators.read(shardId, from, limit, signal);
  }

  sequenceNumber(record: KinesisRecord): string {
    return record.SequenceNumber!;
  }

  arrivedAt(record: KinesisRecord): number {
    return record.ApproximateArrivalTimestamp!.getTime();
  }

  size(record: KinesisRecord): number {
    // Data goes into the event base64-encoded: 4 bytes for every 3.
    return 4 * Math.ceil((record.Data?.length ?? 0) / 3) + (record.PartitionKey?.length ?? 0) + recordEnvelopeBytes;
  }

  close(): Promise<void> {
    this.iterators.clear();
    if (this.ownsClient) this.client.destroy();
    return Promise.resolve();
  }

  private async newIterator(shardId: string, from: ReadFrom, signal?: AbortSignal): Promise<string> {
    const type: ShardIteratorType = from.after ? 'AFTER_SEQUENCE_NUMBER' : from.startingPosition;
    const { ShardIterator } = await this.client.send(
      new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: shardId,
        ShardIteratorType: type,
        ...(from.after ? { StartingSequenceNumber: from.after } : {}),
      }),
      { abortSignal: signal },
    );
    if (!ShardIterator) throw new Error(`Kinesis gave no iterator for ${shardId} of ${this.streamName}`);
    return ShardIterator;
  }

  private async getRecords(iterator: string, limit: number, signal?: AbortSignal) {
    // GetRecords takes at most 10,000 records.
    const page = await this.client.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(limit, 10_000) }),
      { abortSignal: signal },
    );
    return { records: page.Records ?? [], nextIterator: page.NextShardIterator };
  }
}
