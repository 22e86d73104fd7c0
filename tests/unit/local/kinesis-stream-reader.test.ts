// The local Kinesis: kinesalite started on a free port in this test, streams created from
// CloudFormation properties, and the stream poller's reader over it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordsCommand,
  type _Record as KinesisRecord,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { startKinesis, type RunningKinesis } from '../../../infra/local/aws/kinesis/kinesis-emulator';
import {
  createStreamInput,
  createStreams,
  kinesisReader,
  kinesisService,
  localKinesisClient,
} from '../../../infra/local/aws/kinesis/service';
import type { KinesisStreamReader } from '../../../infra/local/aws/kinesis/stream-reader';
import { Intrinsics, type LocalResource } from '../../../infra/local/local-resources';
import { Supervisor } from '../../../infra/local/supervisor';

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let kinesis: RunningKinesis;
let client: KinesisClient;
const readers: KinesisStreamReader[] = [];

beforeAll(async () => {
  kinesis = await startKinesis({ port: 0 });
  client = localKinesisClient(kinesis.endpoint, region, credentials);
});

afterAll(async () => {
  await Promise.all(readers.map((reader) => reader.close()));
  client.destroy();
  await kinesis.stop();
});

let streams = 0;
/** A new stream of `shards` shards, created as the local stack creates the declared ones. */
async function newStream(shards: number): Promise<LocalResource & { arn: string }> {
  const logicalId = `TestStream${++streams}`;
  const created = await createStreams(
    [[logicalId, { Type: 'AWS::Kinesis::Stream', Properties: { ShardCount: shards, RetentionPeriodHours: 24 } }]],
    {
      started: { endpoint: kinesis.endpoint },
      region,
      credentials,
      intrinsics: new Intrinsics({ 'AWS::Region': region }, new Map()),
      config: { service: 'shelf', provider: { region, stage: 'unit' } },
    } as unknown as Parameters<typeof createStreams>[1],
  );
  return created.get(logicalId) as LocalResource & { arn: string };
}

function readerOf(stream: { arn: string }): KinesisStreamReader {
  const reader = kinesisReader({ endpoint: kinesis.endpoint }, region, credentials, stream.arn);
  readers.push(reader);
  return reader;
}

/** Puts `count` records with distinct partition keys; returns where each went, in put order. */
async function put(stream: { ref: string }, count: number, prefix = 'r') {
  const entries = Array.from({ length: count }, (_, i) => ({
    Data: Buffer.from(JSON.stringify({ n: `${prefix}${i}` })),
    PartitionKey: `session-${prefix}-${i}`,
  }));
  const { Records = [] } = await client.send(new PutRecordsCommand({ StreamName: stream.ref, Records: entries }));
  return Records.map((r, i) => ({ shardId: r.ShardId!, sequenceNumber: r.SequenceNumber!, n: `${prefix}${i}` }));
}

const payload = (record: KinesisRecord) => (JSON.parse(Buffer.from(record.Data!).toString()) as { n: string }).n;

describe('the local Kinesis (kinesalite)', () => {
  it('creates a declared stream ACTIVE, named and with the ARN the emulator reports', async () => {
    const stream = await newStream(1);

    expect(stream).toEqual({
      type: 'AWS::Kinesis::Stream',
      ref: `shelf-unit-TestStream${streams}`,
      arn: `arn:aws:kinesis:us-east-1:000000000000:stream/shelf-unit-TestStream${streams}`,
    });
  });

  it('keeps a stream that is already there (a restart) instead of failing', async () => {
    const first = await newStream(1);
    streams--;

    const again = await newStream(1);

    expect(again).toEqual(first);
  });

  it('gives an on-demand stream one shard locally, a provisioned one its count', () => {
    expect(createStreamInput('S', { StreamModeDetails: { StreamMode: 'ON_DEMAND' } }, 'default')).toEqual({
      StreamName: 'default',
      ShardCount: 1,
    });
    expect(createStreamInput('S', { Name: 'clicks', ShardCount: 3 }, 'default')).toEqual({
      StreamName: 'clicks',
      ShardCount: 3,
    });
    expect(() => createStreamInput('S', { ShardCount: 0 }, 'default')).toThrow(/ShardCount/);
  });
});

describe('KinesisStreamReader', () => {
  it('lists both shards and reads each in put order from TRIM_HORIZON', async () => {
    const stream = await newStream(2);
    const reader = readerOf(stream);
    const put1 = await put(stream, 20);

    const shards = await reader.listShards();
    const reads = await Promise.all(
      shards.map((s) => reader.read(s.shardId, { startingPosition: 'TRIM_HORIZON' }, 100)),
    );

    expect(shards.map((s) => s.shardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    for (const [i, shard] of shards.entries()) {
      const expected = put1.filter((p) => p.shardId === shard.shardId);
      expect(expected.length).toBeGreaterThan(0);
      expect(reads[i]!.records.map((r) => [reader.sequenceNumber(r), payload(r)])).toEqual(
        expected.map((p) => [p.sequenceNumber, p.n]),
      );
      expect(reads[i]!.end).toBe(false);
    }
  });

  it('goes on with the iterator it holds, and from a checkpoint when asked to go back', async () => {
    const stream = await newStream(1);
    const reader = readerOf(stream);
    const shardId = 'shardId-000000000000';
    const first = await put(stream, 3, 'a');
    const firstRead = await reader.read(shardId, { startingPosition: 'TRIM_HORIZON' }, 2);
    const readerClient = (reader as unknown as { client: KinesisClient }).client;
    const send = jest.spyOn(readerClient, 'send');
    const newIterators = () => send.mock.calls.filter(([command]) => command instanceof GetShardIteratorCommand).length;

    const secondRead = await reader.read(
      shardId,
      { after: first[1]!.sequenceNumber, startingPosition: 'TRIM_HORIZON' },
      10,
    );
    const nothingNew = await reader.read(
      shardId,
      { after: first[2]!.sequenceNumber, startingPosition: 'TRIM_HORIZON' },
      10,
    );
    const later = await put(stream, 2, 'b');
    const thirdRead = await reader.read(
      shardId,
      { after: first[2]!.sequenceNumber, startingPosition: 'TRIM_HORIZON' },
      10,
    );
    const iteratorsBeforeReplay = newIterators();
    // A retry: back to the checkpoint after the first record.
    const replay = await reader.read(
      shardId,
      { after: first[0]!.sequenceNumber, startingPosition: 'TRIM_HORIZON' },
      10,
    );

    expect(firstRead.records.map(payload)).toEqual(['a0', 'a1']);
    expect(secondRead.records.map(payload)).toEqual(['a2']);
    expect(nothingNew.records).toEqual([]);
    expect(thirdRead.records.map(payload)).toEqual(later.map((p) => p.n));
    expect(replay.records.map(payload)).toEqual(['a1', 'a2', 'b0', 'b1']);
    expect(iteratorsBeforeReplay).toBe(0);
    expect(newIterators()).toBe(1);
    send.mockRestore();
  });

  it('starts at the end of the shard from LATEST', async () => {
    const stream = await newStream(1);
    const reader = readerOf(stream);
    await put(stream, 2, 'old');

    const before = await reader.read('shardId-000000000000', { startingPosition: 'LATEST' }, 10);
    await put(stream, 1, 'new');
    const after = await reader.read('shardId-000000000000', { startingPosition: 'LATEST' }, 10);

    expect(before.records).toEqual([]);
    expect(after.records.map(payload)).toEqual(['new0']);
  });

  it('takes a new iterator from the checkpoint when the one it holds has expired', async () => {
    const stream = await newStream(1);
    const reader = readerOf(stream);
    const shardId = 'shardId-000000000000';
    const records = await put(stream, 3, 'e');
    await reader.read(shardId, { startingPosition: 'TRIM_HORIZON' }, 1);
    // The reader's own client: make its next GetRecords fail as an iterator unused for 5 minutes does.
    const readerClient = (reader as unknown as { client: KinesisClient }).client;
    const send = readerClient.send.bind(readerClient);
    let expired = false;
    jest.spyOn(readerClient, 'send').mockImplementation(((command: unknown, options: unknown) => {
      if (command instanceof GetRecordsCommand && !expired) {
        expired = true;
        return Promise.reject(new ExpiredIteratorException({ message: 'Iterator expired', $metadata: {} }));
      }
      return send(command as never, options as never);
    }) as never);

    const read = await reader.read(
      shardId,
      { after: records[0]!.sequenceNumber, startingPosition: 'TRIM_HORIZON' },
      10,
    );

    expect(expired).toBe(true);
    expect(read.records.map(payload)).toEqual(['e1', 'e2']);
  });

  it('reports arrival time in milliseconds and a size that grows with the data', async () => {
    const stream = await newStream(1);
    const reader = readerOf(stream);
    const before = Date.now();
    await client.send(
      new PutRecordsCommand({
        StreamName: stream.ref,
        Records: [
          { Data: Buffer.alloc(3000, 1), PartitionKey: 'p' },
          { Data: Buffer.alloc(30, 1), PartitionKey: 'p' },
        ],
      }),
    );

    const { records } = await reader.read('shardId-000000000000', { startingPosition: 'TRIM_HORIZON' }, 10);

    expect(reader.arrivedAt(records[0]!)).toBeGreaterThanOrEqual(before - 1000);
    expect(reader.arrivedAt(records[0]!)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(reader.size(records[0]!) - reader.size(records[1]!)).toBe(4000 - 40);
  });
});

describe('kinesisService', () => {
  it('starts kinesalite on the port given, keeps its streams in the data folder across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'shelf-kinesis-'));
    const start = async () => {
      const supervisor = new Supervisor();
      const started = await kinesisService.start!({
        port: 0,
        dataDir,
        supervisor,
        log: () => undefined,
        fail: () => undefined,
      } as unknown as Parameters<NonNullable<typeof kinesisService.start>>[0]);
      return { supervisor, started };
    };
    try {
      // Port 0 is for tests; the stack passes 4568 or SHELF_KINESIS_PORT.
      const first = await start();
      expect(first.started.functionEnv).toEqual({ AWS_ENDPOINT_URL_KINESIS: first.started.endpoint });
      expect(first.started.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const firstClient = localKinesisClient(first.started.endpoint, region, credentials);
      const stream = (
        await createStreams(
          [['Clicks', { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'clicks', ShardCount: 1 } }]],
          {
            started: first.started,
            region,
            credentials,
            intrinsics: new Intrinsics({}, new Map()),
            config: { service: 'shelf', provider: { region, stage: 'unit' } },
          } as unknown as Parameters<typeof createStreams>[1],
        )
      ).get('Clicks')!;
      await firstClient.send(
        new PutRecordsCommand({ StreamName: 'clicks', Records: [{ Data: Buffer.from('"kept"'), PartitionKey: 'p' }] }),
      );
      firstClient.destroy();
      await first.supervisor.stopAll();

      const second = await start();
      const reader = kinesisReader(second.started, region, credentials, stream.arn!);
      const { records } = await reader.read('shardId-000000000000', { startingPosition: 'TRIM_HORIZON' }, 10);
      await reader.close();
      await second.supervisor.stopAll();

      expect(records.map((r) => Buffer.from(r.Data!).toString())).toEqual(['"kept"']);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
