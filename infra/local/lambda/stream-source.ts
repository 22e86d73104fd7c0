/**
 * What Lambda's stream poller (the event source mapping for Kinesis and DynamoDB Streams) needs
 * of a stream, and nothing more. The poller core (event-source-poller.ts) owns batching, windows,
 * retries, bisecting, checkpoints and the on-failure destination; each service module under
 * infra/local/aws/ supplies a StreamReader for its emulator and a StreamEventFormat for its
 * records, so a new stream type is a reader and a format, never a second poller.
 */

export interface StreamShard {
  shardId: string;
  /** Set when the shard was split or merged from another: the parent is read to its end first. */
  parentShardId?: string;
}

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST';

export interface ShardRead<R> {
  /** In the shard's order; empty when nothing new has arrived. */
  records: R[];
  /** True when the shard is closed and every record in it has been returned. */
  end: boolean;
}

export interface StreamReader<R> {
  /** The stream's ARN as Lambda writes it into events (`eventSourceARN`), with the local region. */
  readonly streamArn: string;
  /** Every shard there is to read, open or closed. */
  listShards(): Promise<StreamShard[]>;
  /**
   * Up to `limit` records of a shard: after the sequence number `after` (exclusive), or from
   * `startingPosition` when the shard has no checkpoint yet. A reader may keep the iterator it
   * got last and go on from it when `after` is the last record it returned. Until a first record
   * is returned `after` stays unset: a reader asked for LATEST again goes on from the iterator it
   * got first, or records put between two reads would be missed.
   */
  read(
    shardId: string,
    from: { after?: string; startingPosition: StartingPosition },
    limit: number,
    signal?: AbortSignal,
  ): Promise<ShardRead<R>>;
  sequenceNumber(record: R): string;
  /** When the record reached the stream, epoch milliseconds (for MaximumRecordAgeInSeconds). */
  arrivedAt(record: R): number;
  /** Bytes the record adds to the invocation's payload (Lambda's 6 MB limit). */
  size(record: R): number;
  close?(): Promise<void>;
}

export interface StreamEventFormat<R> {
  /** `aws:kinesis`, `aws:dynamodb`. */
  readonly eventSource: string;
  /** One record as Lambda puts it in `event.Records`. */
  toLambdaRecord(record: R, context: { streamArn: string; region: string; shardId: string }): unknown;
  /** The key of the batch description in the on-failure record: `KinesisBatchInfo`, `DDBStreamBatchInfo`. */
  readonly batchInfoKey: 'KinesisBatchInfo' | 'DDBStreamBatchInfo';
}
