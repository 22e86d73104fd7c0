// The counting and the once-only window writes (shared/clickstream/clickstream-aggregation.ts),
// over an in-memory store that applies a write id once, as the DynamoDB adapter does.
import {
  aggregateWindow,
  compareSequenceNumbers,
  countRecords,
  emptyWindowState,
  planWindowWrites,
  skusPerWrite,
  windowStateFrom,
  type MinuteCount,
  type StreamRecord,
  type WindowState,
  type WindowWrite,
} from '../../../shared/clickstream/clickstream-aggregation';
import type { ClickstreamAggregates } from '../../../shared/clickstream/clickstream-ports';
import { clickRecord } from './clickstream-fixtures';

/** Applies each write id once and keeps per-minute totals, like the marker + ADD transaction. */
export class InMemoryAggregates implements ClickstreamAggregates {
  readonly applied = new Set<string>();
  readonly counts = new Map<string, MinuteCount>();
  failNext = 0;

  apply(write: WindowWrite): Promise<{ applied: boolean }> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('ProvisionedThroughputExceededException'));
    }
    if (this.applied.has(write.id)) return Promise.resolve({ applied: false });
    this.applied.add(write.id);
    for (const { sku, views, addToCarts } of write.counts) {
      const key = `${write.minute}#${sku}`;
      const total = this.counts.get(key) ?? { minute: write.minute, sku, views: 0, addToCarts: 0 };
      total.views += views;
      total.addToCarts += addToCarts;
      this.counts.set(key, total);
    }
    return Promise.resolve({ applied: true });
  }

  countsBetween(from: string, to: string): Promise<MinuteCount[]> {
    return Promise.resolve([...this.counts.values()].filter((c) => c.minute >= from && c.minute <= to));
  }

  total(sku: string) {
    return [...this.counts.values()]
      .filter((c) => c.sku === sku)
      .reduce((sum, c) => ({ views: sum.views + c.views, addToCarts: sum.addToCarts + c.addToCarts }), {
        views: 0,
        addToCarts: 0,
      });
  }
}

let sequence = 1000n;
const streamRecord = (data: unknown): StreamRecord => ({
  sequenceNumber: String(sequence++),
  data: typeof data === 'string' ? data : JSON.stringify(data),
});
const views = (sku: string, n: number) => Array.from({ length: n }, () => streamRecord(clickRecord({ sku })));
const window = { start: '2026-12-02T19:45:00Z' };
const shardId = 'shardId-000000000000';

describe('countRecords', () => {
  it('counts views and add-to-carts per SKU into a copy of the state', () => {
    const state = emptyWindowState();
    const records = [
      ...views('MUG-001', 3),
      streamRecord(clickRecord({ sku: 'MUG-001', type: 'add-to-cart' })),
      ...views('TEA-2', 1),
    ];

    const result = countRecords(state, records);

    expect(result.state.counts).toEqual({ 'MUG-001': [3, 1], 'TEA-2': [1, 0] });
    expect(result.dropped).toEqual([]);
    expect(result.state.lowestSequenceNumber).toBe(records[0]!.sequenceNumber);
    expect(state).toEqual(emptyWindowState());
  });

  it('carries the state from one batch of the window to the next', () => {
    const first = countRecords(emptyWindowState(), views('MUG-001', 2));
    const second = countRecords(windowStateFrom(JSON.parse(JSON.stringify(first.state))), views('MUG-001', 5));

    expect(second.state.counts).toEqual({ 'MUG-001': [7, 0] });
    expect(second.state.lowestSequenceNumber).toBe(first.state.lowestSequenceNumber);
  });

  it('drops records that are not JSON or not clickstream records, counting and naming them', () => {
    const bad = [
      streamRecord('Hello World'),
      streamRecord({ ...clickRecord(), type: 'purchase' }),
      streamRecord({ ...clickRecord(), sku: 'not a sku!' }),
      streamRecord('null'),
    ];

    const result = countRecords(emptyWindowState(), [...bad, ...views('MUG-001', 1)]);

    expect(result.state.counts).toEqual({ 'MUG-001': [1, 0] });
    expect(result.state.dropped).toBe(4);
    expect(result.dropped).toEqual([
      { sequenceNumber: bad[0]!.sequenceNumber, reason: 'not JSON' },
      { sequenceNumber: bad[1]!.sequenceNumber, reason: expect.stringContaining('type') },
      { sequenceNumber: bad[2]!.sequenceNumber, reason: expect.stringContaining('sku') },
      { sequenceNumber: bad[3]!.sequenceNumber, reason: expect.any(String) },
    ]);
  });

  it('keeps the lowest sequence number whatever order a retried batch comes in', () => {
    const records = views('MUG-001', 4);

    const inOrder = countRecords(emptyWindowState(), records);
    const reversed = countRecords(emptyWindowState(), [...records].reverse());

    expect(reversed.state).toEqual(inOrder.state);
  });

  it('compares sequence numbers as numbers, not strings', () => {
    expect(compareSequenceNumbers('9', '10')).toBe(-1);
    expect(
      compareSequenceNumbers(
        '49568167373333333334444444444444444444444444444444444444',
        '49568167373333333333333333333333333333333333333333333333',
      ),
    ).toBe(1);
  });
});

describe('windowStateFrom', () => {
  it.each([undefined, null, {}])('starts an empty state from %p', (state) => {
    expect(windowStateFrom(state)).toEqual(emptyWindowState());
  });

  it('refuses a state it did not write', () => {
    expect(() => windowStateFrom({ counts: { X: 'many' }, dropped: 0 })).toThrow();
  });
});

describe('planWindowWrites', () => {
  it('writes nothing for a window with no countable records', () => {
    const { state } = countRecords(emptyWindowState(), [streamRecord('garbage')]);

    expect(planWindowWrites(window, shardId, state)).toEqual([]);
  });

  it('cuts many SKUs into parts of at most 99, in SKU order, with ids that a retry cuts again', () => {
    const skus = Array.from({ length: 250 }, (_, i) => `SKU-${String(i).padStart(3, '0')}`);
    const { state } = countRecords(
      emptyWindowState(),
      [...skus].reverse().flatMap((sku) => views(sku, 1)),
    );

    const writes = planWindowWrites(window, shardId, state);
    const again = planWindowWrites(window, shardId, windowStateFrom(JSON.parse(JSON.stringify(state))));

    expect(writes.map((w) => w.counts.length)).toEqual([skusPerWrite, skusPerWrite, 250 - 2 * skusPerWrite]);
    expect(writes.flatMap((w) => w.counts.map((c) => c.sku))).toEqual(skus);
    expect(writes[0]).toMatchObject({
      id: `${window.start}/${shardId}/${state.lowestSequenceNumber}/0`,
      minute: '2026-12-02T19:45',
      shardId,
    });
    expect(again).toEqual(writes);
  });

  it('refuses to write a window without a shard id (two shards would share ids)', () => {
    const { state } = countRecords(emptyWindowState(), views('MUG-001', 1));

    expect(() => planWindowWrites(window, '', state)).toThrow(/shard id/);
  });
});

describe('aggregateWindow', () => {
  async function runWindow(store: InMemoryAggregates, batches: StreamRecord[][], start = window.start) {
    let state: WindowState = emptyWindowState();
    for (const records of batches) {
      ({ state } = await aggregateWindow(store, { window: { start }, shardId, state, records, isFinal: false }));
    }
    return state;
  }

  it('writes nothing before the final invocation, then the whole window, then starts afresh', async () => {
    const store = new InMemoryAggregates();
    const state = await runWindow(store, [views('MUG-001', 2), views('MUG-001', 3)]);
    expect(store.applied.size).toBe(0);

    const final = await aggregateWindow(store, { window, shardId, state, records: [], isFinal: true });

    expect(store.total('MUG-001')).toEqual({ views: 5, addToCarts: 0 });
    expect(final.state).toEqual(emptyWindowState());
    expect(final.written).toEqual({ writes: 1, alreadyApplied: 0 });
  });

  it('counts the final invocation’s own records too', async () => {
    const store = new InMemoryAggregates();

    await aggregateWindow(store, {
      window,
      shardId,
      state: emptyWindowState(),
      records: views('MUG-001', 4),
      isFinal: true,
    });

    expect(store.total('MUG-001')).toEqual({ views: 4, addToCarts: 0 });
  });

  it('applies a final invocation delivered twice (a retry after the write) once', async () => {
    const store = new InMemoryAggregates();
    const state = await runWindow(store, [views('MUG-001', 7)]);
    const final = { window, shardId, state, records: views('MUG-001', 3), isFinal: true };

    await aggregateWindow(store, final);
    const replay = await aggregateWindow(store, final);

    expect(store.total('MUG-001')).toEqual({ views: 10, addToCarts: 0 });
    expect(replay.written).toEqual({ writes: 1, alreadyApplied: 1 });
  });

  it('applies the rest, and only the rest, when a retry follows a write that failed half-way', async () => {
    const store = new InMemoryAggregates();
    const skus = Array.from({ length: 150 }, (_, i) => `SKU-${i}`);
    const state = await runWindow(store, [skus.flatMap((sku) => views(sku, 2))]);
    const final = { window, shardId, state, records: [], isFinal: true };
    // The first part is applied, then the store fails on the second.
    const apply = store.apply.bind(store);
    let calls = 0;
    jest
      .spyOn(store, 'apply')
      .mockImplementation((write) => (++calls === 2 ? Promise.reject(new Error('throttled')) : apply(write)));

    await expect(aggregateWindow(store, final)).rejects.toThrow('throttled');
    const retry = await aggregateWindow(store, final);

    expect(retry.written).toEqual({ writes: 2, alreadyApplied: 1 });
    expect(skus.map((sku) => store.total(sku).views)).toEqual(skus.map(() => 2));
  });

  it('keeps windows of different starts and shards apart, and sums them per minute', async () => {
    const store = new InMemoryAggregates();
    for (const [start, shard] of [
      ['2026-12-02T19:45:00Z', 'shardId-000000000000'],
      ['2026-12-02T19:45:05Z', 'shardId-000000000000'],
      ['2026-12-02T19:45:00Z', 'shardId-000000000001'],
    ] as const) {
      await aggregateWindow(store, {
        window: { start },
        shardId: shard,
        state: emptyWindowState(),
        records: views('MUG-001', 2),
        isFinal: true,
      });
    }

    expect(await store.countsBetween('2026-12-02T19:45', '2026-12-02T19:45')).toEqual([
      { minute: '2026-12-02T19:45', sku: 'MUG-001', views: 6, addToCarts: 0 },
    ]);
  });
});
