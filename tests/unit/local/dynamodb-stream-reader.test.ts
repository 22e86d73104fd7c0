// The DynamoDB Streams reader of the local platform (infra/local/aws/dynamodb/stream-reader.ts):
// against a real DynamoDB Local started on a free port for this file, then its edge cases
// (expired iterators, trimmed records, closed and vanished shards) against the SDK mocked.
import { lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBStreamRecord } from '@aws-lambda-powertools/parser/schemas/dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { dynamoDbStreamFormat, type DynamoDbStreamRecord } from '../../../infra/local/aws/dynamodb/stream-format';
import { DynamoDbStreamReader, lambdaStreamArn } from '../../../infra/local/aws/dynamodb/stream-reader';
import { startDynamoDbLocal } from '../../../infra/local/aws/dynamodb/dynamodb-local';
import { freePorts } from '../../../infra/local/free-ports';
import { Supervisor } from '../../../infra/local/supervisor';

jest.setTimeout(60_000);

const region = 'eu-central-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const tableName = 'stream-reader-test';

const eventsOf = (records: DynamoDbStreamRecord[]) =>
  records.map(
    (r) =>
      `${r.eventName} ${r.dynamodb!.Keys!.sku!.S}${r.dynamodb?.NewImage?.stock?.N ? `=${r.dynamodb.NewImage.stock.N}` : ''}`,
  );

describe('against DynamoDB Local', () => {
  let scratch: string;
  let supervisor: Supervisor;
  let endpoint: string;
  let dynamodb: DynamoDBClient;
  const readers: DynamoDbStreamReader[] = [];

  const open = async () => {
    const reader = await DynamoDbStreamReader.open({ endpoint, region, credentials, tableName });
    readers.push(reader);
    return reader;
  };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'shelf-stream-reader-'));
    supervisor = new Supervisor();
    const { port } = await freePorts(['port']);
    endpoint = await startDynamoDbLocal(supervisor, port, join(scratch, 'dynamodb'), (error) => {
      throw error;
    });
    dynamodb = new DynamoDBClient({ endpoint, region, credentials });
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'sku', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'sku', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        // As infra/resources/tables.yml declares it, made acceptable to DynamoDB Local.
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    const put = (sku: string, stock: number) =>
      dynamodb.send(
        new PutItemCommand({ TableName: tableName, Item: { sku: { S: sku }, stock: { N: String(stock) } } }),
      );
    await put('A-1', 5);
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { sku: { S: 'A-1' } },
        UpdateExpression: 'SET stock = :s',
        ExpressionAttributeValues: { ':s': { N: '4' } },
      }),
    );
    await put('B-1', 9);
    await dynamodb.send(new DeleteItemCommand({ TableName: tableName, Key: { sku: { S: 'A-1' } } }));
  });

  afterAll(async () => {
    await Promise.all(readers.map((reader) => reader.close()));
    dynamodb?.destroy();
    await supervisor?.stopAll();
    // The tables lived on tmpfs behind a link (emulators.ts dynamoDbStore): remove both.
    const link = join(scratch, 'dynamodb');
    if (lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) {
      rmSync(readlinkSync(link), { recursive: true, force: true });
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it("names the stream as Lambda does: the stack's region and the local account, not ddblocal", async () => {
    const reader = await open();

    expect(reader.streamArn).toMatch(
      new RegExp(`^arn:aws:dynamodb:${region}:000000000000:table/${tableName}/stream/\\d{4}-\\d\\d-\\d\\dT[\\d:.]+$`),
    );
    expect(await reader.listShards()).toEqual([{ shardId: expect.stringMatching(/^shardId-/) }]);
  });

  it('reads every change in order from TRIM_HORIZON, a page at a time, going on after the last record', async () => {
    const reader = await open();
    const [{ shardId }] = (await reader.listShards()) as [{ shardId: string }];

    const first = await reader.read(shardId, { startingPosition: 'TRIM_HORIZON' }, 2);
    const last = reader.sequenceNumber(first.records.at(-1)!);
    const second = await reader.read(shardId, { after: last, startingPosition: 'TRIM_HORIZON' }, 10);

    expect(eventsOf(first.records)).toEqual(['INSERT A-1=5', 'MODIFY A-1=4']);
    expect(eventsOf(second.records)).toEqual(['INSERT B-1=9', 'REMOVE A-1']);
    expect(first.end || second.end).toBe(false);
    const sequence = [...first.records, ...second.records].map((r) => BigInt(reader.sequenceNumber(r)));
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);
  });

  it('goes on from any checkpoint with a new iterator (a retry from the record that failed)', async () => {
    const reader = await open();
    const [{ shardId }] = (await reader.listShards()) as [{ shardId: string }];
    const all = await reader.read(shardId, { startingPosition: 'TRIM_HORIZON' }, 10);

    const retried = await reader.read(
      shardId,
      { after: reader.sequenceNumber(all.records[1]!), startingPosition: 'TRIM_HORIZON' },
      10,
    );

    expect(eventsOf(retried.records)).toEqual(['INSERT B-1=9', 'REMOVE A-1']);
  });

  it('returns nothing while nothing new has come, then the next change on the same iterator', async () => {
    const reader = await open();
    const [{ shardId }] = (await reader.listShards()) as [{ shardId: string }];
    const all = await reader.read(shardId, { startingPosition: 'TRIM_HORIZON' }, 10);
    const after = reader.sequenceNumber(all.records.at(-1)!);

    const quiet = await reader.read(shardId, { after, startingPosition: 'TRIM_HORIZON' }, 10);
    await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { sku: { S: 'C-1' }, stock: { N: '1' } } }));
    const next = await reader.read(shardId, { after, startingPosition: 'TRIM_HORIZON' }, 10);

    expect(quiet).toEqual({ records: [], end: false });
    expect(eventsOf(next.records)).toEqual(['INSERT C-1=1']);
  });

  it("gives records the format turns into Lambda's: epoch seconds, old and new images, parsed by Powertools", async () => {
    const reader = await open();
    const [{ shardId }] = (await reader.listShards()) as [{ shardId: string }];
    const { records } = await reader.read(shardId, { startingPosition: 'TRIM_HORIZON' }, 2);
    const modify = records[1]!;

    const lambdaRecord = dynamoDbStreamFormat.toLambdaRecord(modify, { streamArn: reader.streamArn, region, shardId });

    expect(lambdaRecord).toMatchObject({
      eventName: 'MODIFY',
      eventSource: 'aws:dynamodb',
      awsRegion: region,
      eventSourceARN: reader.streamArn,
      dynamodb: {
        Keys: { sku: { S: 'A-1' } },
        OldImage: { sku: { S: 'A-1' }, stock: { N: '5' } },
        NewImage: { sku: { S: 'A-1' }, stock: { N: '4' } },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    const seconds = (lambdaRecord as { dynamodb: { ApproximateCreationDateTime: number } }).dynamodb
      .ApproximateCreationDateTime;
    expect(Number.isInteger(seconds)).toBe(true);
    expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(120);
    expect(reader.arrivedAt(modify)).toBe(modify.dynamodb!.ApproximateCreationDateTime!.getTime());
    expect(reader.size(modify)).toBe(Buffer.byteLength(JSON.stringify(lambdaRecord)));
    expect(DynamoDBStreamRecord.safeParse(lambdaRecord).success).toBe(true);
  });
});

describe('edge cases', () => {
  // Mocked for these tests only (the ones above talk to DynamoDB Local).
  const mockStreams = () => mockClient(DynamoDBStreamsClient);
  const mockDynamoDb = () => mockClient(DynamoDBClient);
  let streams: ReturnType<typeof mockStreams>;
  let dynamo: ReturnType<typeof mockDynamoDb>;
  beforeAll(() => {
    streams = mockStreams();
    dynamo = mockDynamoDb();
  });
  afterAll(() => {
    streams.restore();
    dynamo.restore();
  });
  const localArn = 'arn:aws:dynamodb:ddblocal:000000000000:table/t-1/stream/2026-12-02T20:05:00.804';
  const record = (sequence: string): DynamoDbStreamRecord => ({
    eventID: `e-${sequence}`,
    eventName: 'INSERT',
    dynamodb: { Keys: { sku: { S: 'A-1' } }, SequenceNumber: sequence, SizeBytes: 10 },
  });
  const lines: string[] = [];
  const open = () =>
    DynamoDbStreamReader.open({
      endpoint: 'http://127.0.0.1:1',
      region,
      credentials,
      tableName: 't-1',
      log: (line) => lines.push(line),
    });

  beforeEach(() => {
    streams.reset();
    dynamo.reset();
    lines.length = 0;
    dynamo.resolves({ Table: { LatestStreamArn: localArn } });
  });

  it('takes a new iterator from the same place when the kept one has expired', async () => {
    streams.on(GetShardIteratorCommand).resolvesOnce({ ShardIterator: 'it-1' }).resolves({ ShardIterator: 'it-2' });
    streams
      .on(GetRecordsCommand, { ShardIterator: 'it-1' })
      .resolves({ Records: [record('1')], NextShardIterator: 'it-1b' })
      .on(GetRecordsCommand, { ShardIterator: 'it-1b' })
      .rejects(new ExpiredIteratorException({ message: 'Iterator expired', $metadata: {} }))
      .on(GetRecordsCommand, { ShardIterator: 'it-2' })
      .resolves({ Records: [record('2')], NextShardIterator: 'it-3' });
    const reader = await open();

    await reader.read('shard-1', { startingPosition: 'TRIM_HORIZON' }, 10);
    const next = await reader.read('shard-1', { after: '1', startingPosition: 'TRIM_HORIZON' }, 10);

    expect(next.records.map((r) => r.dynamodb!.SequenceNumber)).toEqual(['2']);
    expect(streams.commandCalls(GetShardIteratorCommand).map((call) => call.args[0].input)).toEqual([
      { StreamArn: localArn, ShardId: 'shard-1', ShardIteratorType: 'TRIM_HORIZON' },
      { StreamArn: localArn, ShardId: 'shard-1', ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '1' },
    ]);
  });

  it('goes on from the oldest record kept when its checkpoint was trimmed, and says so', async () => {
    streams
      .on(GetShardIteratorCommand, { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' })
      .rejects(new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} }))
      .on(GetShardIteratorCommand, { ShardIteratorType: 'TRIM_HORIZON' })
      .resolves({ ShardIterator: 'it-oldest' });
    streams.on(GetRecordsCommand).resolves({ Records: [record('90')], NextShardIterator: 'it-next' });
    const reader = await open();

    const read = await reader.read('shard-1', { after: '5', startingPosition: 'TRIM_HORIZON' }, 10);

    expect(read.records.map((r) => r.dynamodb!.SequenceNumber)).toEqual(['90']);
    expect(lines).toEqual([expect.stringContaining('records after 5 were trimmed')]);
  });

  it('says a closed shard has ended once its last records are returned (no next iterator)', async () => {
    streams.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    streams.on(GetRecordsCommand).resolves({ Records: [record('7')] });
    const reader = await open();

    await expect(reader.read('shard-1', { startingPosition: 'TRIM_HORIZON' }, 10)).resolves.toEqual({
      records: [record('7')],
      end: true,
    });
  });

  it('says a shard that is gone (trimmed after it closed) has ended', async () => {
    streams
      .on(GetShardIteratorCommand)
      .rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));
    const reader = await open();

    await expect(reader.read('shard-0', { startingPosition: 'TRIM_HORIZON' }, 10)).resolves.toEqual({
      records: [],
      end: true,
    });
  });

  it('lists shards across DescribeStream pages, with their parents', async () => {
    streams
      .on(DescribeStreamCommand)
      .resolvesOnce({ StreamDescription: { Shards: [{ ShardId: 'shard-1' }], LastEvaluatedShardId: 'shard-1' } })
      .resolves({ StreamDescription: { Shards: [{ ShardId: 'shard-2', ParentShardId: 'shard-1' }] } });
    const reader = await open();

    await expect(reader.listShards()).resolves.toEqual([
      { shardId: 'shard-1' },
      { shardId: 'shard-2', parentShardId: 'shard-1' },
    ]);
    expect(streams.commandCalls(DescribeStreamCommand)[1]!.args[0].input.ExclusiveStartShardId).toBe('shard-1');
  });

  it('refuses a table without a stream', async () => {
    dynamo.resolves({ Table: {} });

    await expect(open()).rejects.toThrow('Table t-1 has no stream');
  });

  it('rewrites any stream ARN to the stack region and account', () => {
    expect(lambdaStreamArn(localArn, 'us-east-1')).toBe(
      'arn:aws:dynamodb:us-east-1:000000000000:table/t-1/stream/2026-12-02T20:05:00.804',
    );
  });
});
