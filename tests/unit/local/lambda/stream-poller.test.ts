// The event source mapping's stream mode on its own: an in-memory stream (shards of records with
// arrival times), a fake function, a fake clock (sleeping moves it on at once) and destinations
// recorded as delivered. Order per shard, checkpoints, retries, bisecting, partial batch
// responses, record age, the on-failure record and tumbling windows are checked exactly.
import { Destinations } from '../../../../infra/local/lambda/destinations';
import {
  memoryCheckpoints,
  startStreamPoller,
  type CheckpointStore,
  type RunningPoller,
  type StreamMapping,
} from '../../../../infra/local/lambda/event-source-poller';
import type { Invocation } from '../../../../infra/local/lambda/invoke';
import type {
  ShardRead,
  StartingPosition,
  StreamEventFormat,
  StreamReader,
  StreamShard,
} from '../../../../infra/local/lambda/stream-source';
import { recordingDestinations, type Delivered } from './recording-destinations';

interface FakeRecord {
  seq: string;
  data: string;
  arrivedAt: number;
}

const t0 = Date.UTC(2026, 2, 1, 10, 0, 0);
const clock = { now: t0 };

/** A stream in memory: what a Kinesis or DynamoDB Streams reader gives the poller. */
class FakeStream implements StreamReader<FakeRecord> {
  readonly streamArn = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks';
  private counter = 0;
  private readonly shards = new Map<string, StreamShard & { records: FakeRecord[]; closed: boolean }>();
  private readonly latest = new Map<string, number>();
  readonly reads: { shardId: string; after?: string; startingPosition: StartingPosition }[] = [];

  shard(shardId: string, parentShardId?: string) {
    this.shards.set(shardId, { shardId, ...(parentShardId ? { parentShardId } : {}), records: [], closed: false });
    return this;
  }

  put(shardId: string, ...data: string[]): FakeRecord[] {
    return data.map((d) => {
      this.counter += 1;
      const record = { seq: String(1000 + this.counter), data: d, arrivedAt: clock.now };
      this.shards.get(shardId)!.records.push(record);
      return record;
    });
  }

  putAt(shardId: string, arrivedAt: number, data: string): FakeRecord {
    const [record] = this.put(shardId, data);
    record!.arrivedAt = arrivedAt;
    return record!;
  }

  closeShard(shardId: string) {
    this.shards.get(shardId)!.closed = true;
  }

  listShards(): Promise<StreamShard[]> {
    return Promise.resolve(
      [...this.shards.values()].map(({ shardId, parentShardId }) => ({
        shardId,
        ...(parentShardId ? { parentShardId } : {}),
      })),
    );
  }

  read(
    shardId: string,
    from: { after?: string; startingPosition: StartingPosition },
    limit: number,
  ): Promise<ShardRead<FakeRecord>> {
    this.reads.push({ shardId, ...from });
    const { records, closed } = this.shards.get(shardId)!;
    let start: number;
    if (from.after !== undefined) start = records.findIndex((r) => r.seq === from.after) + 1;
    else if (from.startingPosition === 'TRIM_HORIZON') start = 0;
    else {
      // LATEST is fixed when the shard is first read.
      if (!this.latest.has(shardId)) this.latest.set(shardId, records.length);
      start = this.latest.get(shardId)!;
    }
    const page = records.slice(start, start + limit);
    return Promise.resolve({ records: page, end: closed && start + page.length >= records.length });
  }

  sequenceNumber = (record: FakeRecord) => record.seq;
  arrivedAt = (record: FakeRecord) => record.arrivedAt;
  size = (record: FakeRecord) => record.data.length + 100;
}

const kinesisFormat: StreamEventFormat<FakeRecord> = {
  eventSource: 'aws:kinesis',
  batchInfoKey: 'KinesisBatchInfo',
  toLambdaRecord: (record, { streamArn, region, shardId }) => ({
    eventID: `${shardId}:${record.seq}`,
    kinesis: { sequenceNumber: record.seq, data: record.data },
    eventSource: 'aws:kinesis',
    eventSourceARN: streamArn,
    awsRegion: region,
  }),
};

const ddbFormat: StreamEventFormat<FakeRecord> = {
  eventSource: 'aws:dynamodb',
  batchInfoKey: 'DDBStreamBatchInfo',
  toLambdaRecord: (record) => ({ dynamodb: { SequenceNumber: record.seq } }),
};

interface StreamEvent {
  Records: { eventID: string; kinesis: { sequenceNumber: string; data: string } }[];
  window?: { start: string; end: string };
  state?: Record<string, number>;
  shardId?: string;
  eventSourceARN?: string;
  isFinalInvokeForWindow?: boolean;
  isWindowTerminatedEarly?: boolean;
}

const mapping = (overrides: Partial<StreamMapping> = {}): StreamMapping => ({
  functionKey: 'countViews',
  batchSize: 10,
  maximumBatchingWindowSeconds: 0,
  startingPosition: 'TRIM_HORIZON',
  maximumRetryAttempts: -1,
  maximumRecordAgeSeconds: -1,
  bisectBatchOnFunctionError: false,
  reportBatchItemFailures: false,
  tumblingWindowSeconds: 0,
  parallelizationFactor: 1,
  onFailure: 'arn:aws:sqs:us-east-1:000000000000:views-failures',
  ...overrides,
});

const ok = (payload: unknown = null): Invocation => ({ status: 200, payload });
const failed = (message = 'boom'): Invocation => ({
  status: 200,
  functionError: 'Unhandled',
  payload: { errorMessage: message, errorType: 'Error' },
});

let pollers: RunningPoller[];
let delivered: Delivered[];
let lines: string[];
let invoked: StreamEvent[];

beforeEach(() => {
  clock.now = t0;
  pollers = [];
  delivered = [];
  lines = [];
  invoked = [];
});
afterEach(async () => {
  await Promise.all(pollers.map((p) => p.stop()));
});

/** Starts a poller whose function answers with `answer(event)`. */
function start(
  stream: FakeStream,
  answer: (event: StreamEvent) => Invocation | Promise<Invocation>,
  options: {
    mapping?: Partial<StreamMapping>;
    format?: StreamEventFormat<FakeRecord>;
    checkpoints?: CheckpointStore;
  } = {},
) {
  const destinations = recordingDestinations(delivered);
  const poller = startStreamPoller({
    mapping: mapping(options.mapping),
    reader: stream,
    format: options.format ?? kinesisFormat,
    invoke: async (functionKey, event) => {
      expect(functionKey).toBe('countViews');
      invoked.push(structuredClone(event as StreamEvent));
      return answer(event as StreamEvent);
    },
    destinations,
    region: 'us-east-1',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-countViews',
    label: 'Kinesis Clicks → countViews',
    ...(options.checkpoints ? { checkpoints: options.checkpoints } : {}),
    log: (line) => lines.push(line),
    timing: {
      now: () => clock.now,
      sleep: (ms, signal) => {
        clock.now += ms;
        return new Promise((resolve) => setImmediate(() => resolve(!signal.aborted)));
      },
    },
  });
  pollers.push(poller);
  return poller;
}

const seqs = (event: StreamEvent) => event.Records.map((r) => r.kinesis.data);
const dataBatches = () => invoked.filter((e) => e.Records.length).map(seqs);
const failureRecords = () => delivered.map((d) => JSON.parse(d.message.body));

describe('stream poller: order and checkpoints', () => {
  it("invokes each shard's records in order, in batches of batchSize, one batch of a shard at a time", async () => {
    const stream = new FakeStream().shard('shard-0').shard('shard-1');
    stream.put('shard-0', 'a1', 'a2', 'a3', 'a4', 'a5');
    stream.put('shard-1', 'b1', 'b2', 'b3');
    const running = new Map<string, number>();
    const poller = start(
      stream,
      async (event) => {
        const shard = event.Records[0]!.eventID.split(':')[0]!;
        running.set(shard, (running.get(shard) ?? 0) + 1);
        expect(running.get(shard)).toBe(1);
        await new Promise((resolve) => setImmediate(resolve));
        running.set(shard, running.get(shard)! - 1);
        return ok();
      },
      { mapping: { batchSize: 2 } },
    );

    await poller.idle();

    const shard0 = dataBatches().filter((b) => b[0]!.startsWith('a'));
    const shard1 = dataBatches().filter((b) => b[0]!.startsWith('b'));
    expect(shard0).toEqual([['a1', 'a2'], ['a3', 'a4'], ['a5']]);
    expect(shard1).toEqual([['b1', 'b2'], ['b3']]);
    expect(invoked[0]!.Records[0]).toEqual({
      eventID: expect.stringMatching(/^shard-\d:100\d$/),
      kinesis: expect.objectContaining({ sequenceNumber: expect.any(String) }),
      eventSource: 'aws:kinesis',
      eventSourceARN: stream.streamArn,
      awsRegion: 'us-east-1',
    });
  });

  it('checkpoints after each successful batch, and a restart goes on from the checkpoint', async () => {
    const stream = new FakeStream().shard('shard-0');
    const [, second] = stream.put('shard-0', 'r1', 'r2');
    const checkpoints = memoryCheckpoints();
    const first = start(stream, () => ok(), { checkpoints });
    await first.idle();
    await first.stop();

    expect(checkpoints.get('shard-0')).toBe(second!.seq);

    stream.put('shard-0', 'r3');
    invoked = [];
    const again = start(stream, () => ok(), { checkpoints });
    await again.idle();

    expect(dataBatches()).toEqual([['r3']]);
    expect(stream.reads.at(-1)).toEqual(expect.objectContaining({ after: expect.any(String) }));
  });

  it('goes on polling: records put later are invoked too', async () => {
    const stream = new FakeStream().shard('shard-0');
    const poller = start(stream, () => ok());
    await poller.idle();
    stream.put('shard-0', 'late');

    await poller.idle();

    expect(dataBatches()).toEqual([['late']]);
  });

  it('reads a parent shard to its end before its child', async () => {
    const stream = new FakeStream().shard('parent').shard('child', 'parent');
    stream.put('child', 'c1', 'c2');
    stream.put('parent', 'p1', 'p2', 'p3');
    stream.closeShard('parent');
    const poller = start(stream, () => ok(), { mapping: { batchSize: 1 } });

    await poller.idle();

    expect(dataBatches().flat()).toEqual(['p1', 'p2', 'p3', 'c1', 'c2']);
    expect(lines).toContain('Kinesis Clicks → countViews: parent read to its end');
  });

  it('with LATEST, invokes only what arrives after the mapping starts', async () => {
    const stream = new FakeStream().shard('shard-0');
    stream.put('shard-0', 'old');
    const poller = start(stream, () => ok(), { mapping: { startingPosition: 'LATEST' } });
    await poller.idle();
    stream.put('shard-0', 'new');

    await poller.idle();

    expect(dataBatches()).toEqual([['new']]);
  });

  it('with AT_TIMESTAMP, passes over what arrived before the timestamp', async () => {
    const stream = new FakeStream().shard('shard-0');
    stream.putAt('shard-0', t0 - 120_000, 'before');
    stream.putAt('shard-0', t0 - 10_000, 'after');
    const poller = start(stream, () => ok(), {
      mapping: { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: (t0 - 60_000) / 1000 },
    });

    await poller.idle();

    expect(dataBatches()).toEqual([['after']]);
  });

  it('gathers records for the batching window before invoking', async () => {
    const stream = new FakeStream().shard('shard-0');
    stream.put('shard-0', 'r1');
    const seen: number[] = [];
    const poller = start(
      stream,
      () => {
        seen.push(clock.now);
        return ok();
      },
      { mapping: { maximumBatchingWindowSeconds: 5 } },
    );

    await poller.idle();

    expect(dataBatches()).toEqual([['r1']]);
    expect(seen[0]! - t0).toBeGreaterThanOrEqual(5000);
  });
});

describe('stream poller: failures', () => {
  it('retries a failed batch, then describes it in the on-failure destination with its batch info and goes on', async () => {
    const stream = new FakeStream().shard('shardId-000000000000');
    const [r1, , r3] = stream.put('shardId-000000000000', 'r1', 'r2', 'r3');
    clock.now += 1500;
    const poller = start(stream, (event) => (seqs(event).includes('r4') ? ok() : failed('bad click')), {
      mapping: { maximumRetryAttempts: 2 },
    });
    await poller.idle();
    stream.put('shardId-000000000000', 'r4');
    await poller.idle();

    expect(dataBatches()).toEqual([['r1', 'r2', 'r3'], ['r1', 'r2', 'r3'], ['r1', 'r2', 'r3'], ['r4']]);
    expect(delivered.map((d) => d.arn)).toEqual(['arn:aws:sqs:us-east-1:000000000000:views-failures']);
    expect(failureRecords()[0]).toEqual({
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-countViews',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^2026-03-01T10:00:\d\d\.\d{3}Z$/),
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: r1!.seq,
        endSequenceNumber: r3!.seq,
        approximateArrivalOfFirstRecord: '2026-03-01T10:00:00.000Z',
        approximateArrivalOfLastRecord: '2026-03-01T10:00:00.000Z',
        batchSize: 3,
        streamArn: stream.streamArn,
      },
    });
    expect(lines).toContain(
      'Kinesis Clicks → countViews: 3 records of shardId-000000000000 failed (function error: bad click); retry 1 of 2 in 1 s',
    );
    expect(lines).toContain(
      'Kinesis Clicks → countViews: 3 records of shardId-000000000000 failed (function error: bad click) after 2 retries; skipped, described in views-failures',
    );
  });

  it('bisects a failing batch to isolate the bad record, spending no retry on the split', async () => {
    const stream = new FakeStream().shard('shard-0');
    const [, , poison] = stream.put('shard-0', 'r1', 'r2', 'poison', 'r4');
    const checkpoints = memoryCheckpoints();
    const poller = start(stream, (event) => (seqs(event).includes('poison') ? failed('poisoned') : ok()), {
      mapping: { bisectBatchOnFunctionError: true, maximumRetryAttempts: 0 },
      checkpoints,
    });

    await poller.idle();

    expect(dataBatches()).toEqual([['r1', 'r2', 'poison', 'r4'], ['r1', 'r2'], ['poison', 'r4'], ['poison'], ['r4']]);
    expect(failureRecords()).toHaveLength(1);
    expect(failureRecords()[0].KinesisBatchInfo).toEqual(
      expect.objectContaining({ startSequenceNumber: poison!.seq, endSequenceNumber: poison!.seq, batchSize: 1 }),
    );
    expect(failureRecords()[0].requestContext.approximateInvokeCount).toBe(3);
    expect(checkpoints.get('shard-0')).toBe(stream.sequenceNumber(stream['shards'].get('shard-0')!.records[3]!));
  });

  it('with partial batch responses, checkpoints before the lowest failed record and retries from it', async () => {
    const stream = new FakeStream().shard('shard-0');
    const records = stream.put('shard-0', 'r1', 'r2', 'r3', 'r4', 'r5');
    const checkpointed: string[] = [];
    const store = memoryCheckpoints();
    const checkpoints: CheckpointStore = {
      get: (id) => store.get(id),
      set: (id, seq) => (checkpointed.push(seq), store.set(id, seq)),
    };
    let calls = 0;
    const poller = start(
      stream,
      () =>
        ++calls === 1
          ? ok({ batchItemFailures: [{ itemIdentifier: records[3]!.seq }, { itemIdentifier: records[2]!.seq }] })
          : ok({ batchItemFailures: [] }),
      { mapping: { reportBatchItemFailures: true }, checkpoints },
    );

    await poller.idle();

    expect(dataBatches()).toEqual([
      ['r1', 'r2', 'r3', 'r4', 'r5'],
      ['r3', 'r4', 'r5'],
    ]);
    expect(checkpointed).toEqual([records[1]!.seq, records[4]!.seq]);
  });

  it('fails the whole batch on a partial response it cannot use, as Lambda does', async () => {
    const stream = new FakeStream().shard('shard-0');
    stream.put('shard-0', 'r1', 'r2');
    let calls = 0;
    const poller = start(
      stream,
      () => (++calls === 1 ? ok({ batchItemFailures: [{ itemIdentifier: '' }] }) : ok({ batchItemFailures: [] })),
      { mapping: { reportBatchItemFailures: true } },
    );

    await poller.idle();

    expect(dataBatches()).toEqual([
      ['r1', 'r2'],
      ['r1', 'r2'],
    ]);
    expect(lines.some((l) => l.includes('invalid batch response: itemIdentifier ""'))).toBe(true);
  });

  it('retries until the records are older than maximumRecordAgeInSeconds (maximumRetryAttempts -1), then RecordAgeExceeded', async () => {
    const stream = new FakeStream().shard('shard-0');
    stream.put('shard-0', 'r1');
    const poller = start(stream, () => failed(), { mapping: { maximumRecordAgeSeconds: 60 } });

    await poller.idle();

    // Back-off of 1, 2, 4, 8, 8, ... seconds until the record is a minute old.
    expect(dataBatches().length).toBeGreaterThan(5);
    expect(failureRecords()).toHaveLength(1);
    expect(failureRecords()[0].requestContext).toEqual(
      expect.objectContaining({ condition: 'RecordAgeExceeded', approximateInvokeCount: dataBatches().length }),
    );
    expect(failureRecords()[0].responseContext).toEqual(
      expect.objectContaining({ statusCode: 200, functionError: 'Unhandled' }),
    );
  });

  it('does not invoke records already too old, and describes them without a response', async () => {
    const stream = new FakeStream().shard('shard-0');
    stream.putAt('shard-0', t0 - 600_000, 'stale');
    stream.putAt('shard-0', t0, 'fresh');
    const poller = start(stream, () => ok(), { mapping: { maximumRecordAgeSeconds: 60 } });

    await poller.idle();

    expect(dataBatches()).toEqual([['fresh']]);
    expect(failureRecords()[0].requestContext).toEqual(
      expect.objectContaining({ condition: 'RecordAgeExceeded', approximateInvokeCount: 0 }),
    );
    expect(failureRecords()[0]).not.toHaveProperty('responseContext');
  });

  it('describes a DynamoDB stream batch as DDBStreamBatchInfo, its times in whole seconds', async () => {
    const stream = new FakeStream().shard('shardId-00000001573689847184-864758bb');
    stream.putAt('shardId-00000001573689847184-864758bb', t0 + 19_456, 'r1');
    const poller = start(stream, () => failed(), { mapping: { maximumRetryAttempts: 0 }, format: ddbFormat });

    await poller.idle();

    const record = failureRecords()[0];
    expect(record).not.toHaveProperty('KinesisBatchInfo');
    expect(record.DDBStreamBatchInfo).toEqual(
      expect.objectContaining({
        approximateArrivalOfFirstRecord: '2026-03-01T10:00:19Z',
        approximateArrivalOfLastRecord: '2026-03-01T10:00:19Z',
        batchSize: 1,
      }),
    );
  });

  it('skips a batch it gives up on even without a destination, saying so', async () => {
    const stream = new FakeStream().shard('shard-0');
    stream.put('shard-0', 'r1');
    const poller = start(stream, () => failed(), { mapping: { maximumRetryAttempts: 0, onFailure: undefined } });

    await poller.idle();

    expect(delivered).toEqual([]);
    expect(lines.at(-1)).toMatch(/skipped \(no on-failure destination\)$/);
  });
});

describe('stream poller: tumbling windows', () => {
  /** A function that counts records per data value into its state, as a window aggregate would. */
  const counting = (event: StreamEvent): Invocation => {
    const state = { ...event.state };
    for (const record of event.Records) state[record.kinesis.data] = (state[record.kinesis.data] ?? 0) + 1;
    return ok({ state, batchItemFailures: [] });
  };

  it('carries the state across a window, makes a final invoke when it ends, and starts the next afresh', async () => {
    const stream = new FakeStream().shard('shard-0');
    // Windows of 60 s from the epoch: 10:00:00-10:01:00, then 10:01:00-10:02:00.
    stream.putAt('shard-0', t0 + 1000, 'tea');
    stream.putAt('shard-0', t0 + 2000, 'cup');
    stream.putAt('shard-0', t0 + 3000, 'tea');
    stream.putAt('shard-0', t0 + 61_000, 'tea');
    const poller = start(stream, counting, { mapping: { tumblingWindowSeconds: 60, batchSize: 2 } });

    await poller.idle();

    expect(
      invoked.map((e) => ({
        records: seqs(e),
        state: e.state,
        final: e.isFinalInvokeForWindow,
        start: e.window!.start,
      })),
    ).toEqual([
      { records: ['tea', 'cup'], state: {}, final: false, start: '2026-03-01T10:00:00.000Z' },
      { records: ['tea'], state: { tea: 1, cup: 1 }, final: false, start: '2026-03-01T10:00:00.000Z' },
      { records: [], state: { tea: 2, cup: 1 }, final: true, start: '2026-03-01T10:00:00.000Z' },
      { records: ['tea'], state: {}, final: false, start: '2026-03-01T10:01:00.000Z' },
      { records: [], state: { tea: 1 }, final: true, start: '2026-03-01T10:01:00.000Z' },
    ]);
    expect(invoked[0]).toEqual(
      expect.objectContaining({
        window: { start: '2026-03-01T10:00:00.000Z', end: '2026-03-01T10:01:00.000Z' },
        shardId: 'shard-0',
        eventSourceARN: stream.streamArn,
        isWindowTerminatedEarly: false,
      }),
    );
  });

  it('ends a window early when its state outgrows 1 MB, and goes on in the same window afresh', async () => {
    const stream = new FakeStream().shard('shard-0');
    stream.putAt('shard-0', t0 + 1000, 'big');
    stream.putAt('shard-0', t0 + 2000, 'small');
    const poller = start(
      stream,
      (event) => (seqs(event)[0] === 'big' ? ok({ state: { blob: 'x'.repeat(1024 * 1024) } }) : counting(event)),
      { mapping: { tumblingWindowSeconds: 60, batchSize: 1 } },
    );

    await poller.idle();

    expect(
      invoked.map((e) => [seqs(e), e.isFinalInvokeForWindow, e.isWindowTerminatedEarly, Object.keys(e.state!)]),
    ).toEqual([
      [['big'], false, false, []],
      [[], true, true, ['blob']],
      [['small'], false, false, []],
      [[], true, false, ['small']],
    ]);
  });

  it('replays a retried window batch with the state the batch started with', async () => {
    const stream = new FakeStream().shard('shard-0');
    stream.putAt('shard-0', t0 + 1000, 'tea');
    stream.putAt('shard-0', t0 + 2000, 'cup');
    let calls = 0;
    const poller = start(stream, (event) => (++calls === 2 ? failed('busy') : counting(event)), {
      mapping: { tumblingWindowSeconds: 60, batchSize: 1 },
    });

    await poller.idle();

    expect(invoked.map((e) => [seqs(e), e.state])).toEqual([
      [['tea'], {}],
      [['cup'], { tea: 1 }],
      [['cup'], { tea: 1 }],
      [[], { tea: 1, cup: 1 }],
    ]);
  });

  it('treats a window response without state as a failed invocation', async () => {
    const stream = new FakeStream().shard('shard-0');
    stream.putAt('shard-0', t0 + 1000, 'tea');
    let calls = 0;
    const poller = start(stream, (event) => (++calls === 1 ? ok({ batchItemFailures: [] }) : counting(event)), {
      mapping: { tumblingWindowSeconds: 60 },
    });

    await poller.idle();

    expect(invoked.map((e) => [seqs(e), e.state, e.isFinalInvokeForWindow])).toEqual([
      [['tea'], {}, false],
      [['tea'], {}, false],
      [[], { tea: 1 }, true],
    ]);
    expect(lines.some((l) => l.includes('invalid window response: it has no state'))).toBe(true);
  });

  it('tries the final invoke until it succeeds before reading on', async () => {
    const stream = new FakeStream().shard('shard-0');
    stream.putAt('shard-0', t0 + 1000, 'tea');
    stream.putAt('shard-0', t0 + 61_000, 'cup');
    let finals = 0;
    const poller = start(
      stream,
      (event) => (event.isFinalInvokeForWindow && ++finals === 1 ? failed('flush failed') : counting(event)),
      { mapping: { tumblingWindowSeconds: 60 } },
    );

    await poller.idle();

    expect(invoked.map((e) => [seqs(e), e.isFinalInvokeForWindow])).toEqual([
      [['tea'], false],
      [[], true],
      [[], true],
      [['cup'], false],
      [[], true],
    ]);
  });
});

describe('stream poller: stopping', () => {
  it('stops within its bound when an invocation hangs, checkpointing nothing of that batch', async () => {
    const stream = new FakeStream().shard('shard-0');
    stream.put('shard-0', 'r1');
    const checkpoints = memoryCheckpoints();
    const destinations = new Destinations();
    let started!: () => void;
    const invokedOnce = new Promise<void>((resolve) => (started = resolve));
    const poller = startStreamPoller({
      mapping: mapping(),
      reader: stream,
      format: kinesisFormat,
      invoke: (_key, _event, signal) => {
        started();
        return new Promise((resolve) => signal!.addEventListener('abort', () => resolve(failed('aborted'))));
      },
      destinations,
      region: 'us-east-1',
      functionArn: 'arn',
      label: 'Kinesis Clicks → countViews',
      checkpoints,
      timing: { stopTimeoutMs: 50, pollIntervalMs: 5 },
    });
    await invokedOnce;

    const began = Date.now();
    await poller.stop();

    expect(Date.now() - began).toBeLessThan(1000);
    expect(checkpoints.get('shard-0')).toBeUndefined();
  });

  it('is idle at once on a stream with no shards', async () => {
    const poller = start(new FakeStream(), () => ok());

    await poller.idle();

    expect(invoked).toEqual([]);
  });
});
