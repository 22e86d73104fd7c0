/**
 * Reads a table's stream from DynamoDB Local's own Streams API (ListStreams, DescribeStream,
 * GetShardIterator, GetRecords: what Lambda's event source mapping calls in AWS) for the one
 * stream poller (infra/local/lambda/event-source-poller.ts), which owns batching, retries,
 * bisecting and checkpoints. Records stay as the SDK returns them; stream-format.ts shapes them as
 * Lambda does.
 *
 * A shard iterator is a position: the reader keeps the one GetRecords handed back and goes on from
 * it while the poller asks for what follows the last record returned; asked for anything else (a
 * retry from the checkpoint), it takes a new one AFTER_SEQUENCE_NUMBER. Iterators expire after
 * 15 minutes (ExpiredIteratorException): a new one is taken from the same place
 * (lambda/shard-iterators.ts holds them, as for Kinesis).
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  TrimmedDataAccessException,
  type GetShardIteratorCommandInput,
} from '@aws-sdk/client-dynamodb-streams';
import { ShardIterators, type ReadFrom } from '../../lambda/shard-iterators';
import type { ShardRead, StreamReader, StreamShard } from '../../lambda/stream-source';
import { dynamoDbLocalStreamArn } from './tables';
import { toLambdaDynamoDbRecord, type DynamoDbStreamRecord } from './stream-format';

/** The account every local ARN names (local-resources.ts). */
export const localAccountId = '000000000000';

/** GetRecords returns at most this many records a call. */
const maxRecordsPerRead = 1000;

export interface DynamoDbStreamReaderOptions {
  /** DynamoDB Local's endpoint. */
  endpoint: string;
  /** The stack's region: the one Lambda writes into the stream's ARN and its records. */
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  tableName: string;
  accountId?: string;
  /** Told when the reader had to skip records (its checkpoint fell off the stream's retention). */
  log?: (line: string) => void;
}

/**
 * The stream ARN as Lambda shows it (`eventSourceARN`): DynamoDB Local's, with the stack's region
 * and account in place of `ddblocal` and its own.
 */
export function lambdaStreamArn(localStreamArn: string, region: string, accountId = localAccountId): string {
  const match = /^arn:aws:dynamodb:[^:]+:[^:]+:(table\/.+\/stream\/.+)$/.exec(localStreamArn);
  if (!match) throw new Error(`Not a DynamoDB stream ARN: ${localStreamArn}`);
  return `arn:aws:dynamodb:${region}:${accountId}:${match[1]}`;
}

export class DynamoDbStreamReader implements StreamReader<DynamoDbStreamRecord> {
  private readonly iterators = new ShardIterators<DynamoDbStreamRecord>({
    newIterator: (shardId, from, signal) => this.iterator(shardId, from, signal),
    getRecords: (iterator, limit, signal) => this.getRecords(iterator, limit, signal),
    sequenceNumber: (record) => this.sequenceNumber(record),
    isExpired: (error) => error instanceof ExpiredIteratorException,
  });

  private constructor(
    private readonly client: DynamoDBStreamsClient,
    /** The ARN DynamoDB Local answers to. */
    private readonly localStreamArn: string,
    readonly streamArn: string,
    private readonly region: string,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * The reader of a stream by the ARN Lambda knows it by (`Fn::GetAtt Table.StreamArn` locally,
   * infra/local/aws/dynamodb/tables.ts): what the stream poller is given.
   */
  static forStream(options: Omit<DynamoDbStreamReaderOptions, 'tableName'> & { streamArn: string }) {
    const clientConfig = { endpoint: options.endpoint, region: options.region, credentials: options.credentials };
    return new DynamoDbStreamReader(
      new DynamoDBStreamsClient(clientConfig),
      dynamoDbLocalStreamArn(options.streamArn),
      options.streamArn,
      options.region,
      options.log ?? (() => undefined),
    );
  }

  /** The reader of the table's current stream; throws if the table has no stream. */
  static async open(options: DynamoDbStreamReaderOptions): Promise<DynamoDbStreamReader> {
    const clientConfig = { endpoint: options.endpoint, region: options.region, credentials: options.credentials };
    const dynamodb = new DynamoDBClient(clientConfig);
    let localStreamArn: string | undefined;
    try {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: options.tableName }));
      localStreamArn = Table?.LatestStreamArn;
    } finally {
      dynamodb.destroy();
    }
    if (!localStreamArn) throw new Error(`Table ${options.tableName} has no stream (StreamSpecification)`);
    return new DynamoDbStreamReader(
      new DynamoDBStreamsClient(clientConfig),
      localStreamArn,
      lambdaStreamArn(localStreamArn, options.region, options.accountId),
      options.region,
      options.log ?? (() => undefined),
    );
  }

  async listShards(): Promise<StreamShard[]> {
    const shards: StreamShard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({ StreamArn: this.localStreamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        shards.push({
          shardId: shard.ShardId!,
          ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
        });
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  }

  async read(
    shardId: string,
    from: ReadFrom,
    limit: number,
    signal?: AbortSignal,
  ): Promise<ShardRead<DynamoDbStreamRecord>> {
    try {
      return await this.iterators.read(shardId, from, limit, signal);
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      // The shard is gone (closed, then trimmed after 24 hours): nothing is left to read.
      this.iterators.forget(shardId);
      return { records: [], end: true };
    }
  }

  sequenceNumber(record: DynamoDbStreamRecord): string {
    return record.dynamodb!.SequenceNumber!;
  }

  arrivedAt(record: DynamoDbStreamRecord): number {
    return record.dynamodb?.ApproximateCreationDateTime?.getTime() ?? Date.now();
  }

  size(record: DynamoDbStreamRecord): number {
    return Buffer.byteLength(
      JSON.stringify(toLambdaDynamoDbRecord(record, { streamArn: this.streamArn, region: this.region })),
    );
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }

  private async getRecords(iterator: string, limit: number, signal?: AbortSignal) {
    const answer = await this.client.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(limit, maxRecordsPerRead) }),
      { abortSignal: signal },
    );
    return { records: answer.Records ?? [], nextIterator: answer.NextShardIterator };
  }

  private async iterator(
    shardId: string,
    { after, startingPosition }: ReadFrom,
    signal?: AbortSignal,
  ): Promise<string> {
    const input: GetShardIteratorCommandInput = after
      ? {
          StreamArn: this.localStreamArn,
          ShardId: shardId,
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          SequenceNumber: after,
        }
      : { StreamArn: this.localStreamArn, ShardId: shardId, ShardIteratorType: startingPosition };
    try {
      return (await this.client.send(new GetShardIteratorCommand(input), { abortSignal: signal })).ShardIterator!;
    } catch (error) {
      if (!(after && error instanceof TrimmedDataAccessException)) throw error;
      // The checkpoint is older than the stream keeps (24 hours): as Lambda does, go on from the
      // oldest record there is; what lay between is gone.
      this.log(
        `DynamoDB stream ${this.streamArn} ${shardId}: records after ${after} were trimmed; reading on from the oldest kept`,
      );
      return (
        await this.client.send(
          new GetShardIteratorCommand({
            StreamArn: this.localStreamArn,
            ShardId: shardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
          { abortSignal: signal },
        )
      ).ShardIterator!;
    }
  }
}
