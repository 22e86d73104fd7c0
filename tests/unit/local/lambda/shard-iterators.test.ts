// The shard iterators a stream reader holds (infra/local/lambda/shard-iterators.ts), over a fake
// stream API: an iterator is a position, kept while reads go on from the last record, taken anew
// for any other place or once expired, and dropped when its shard has been read to its end.
import { ShardIterators, type ReadFrom } from '../../../../infra/local/lambda/shard-iterators';

class Expired extends Error {}

/** One shard of records '1'…'n'; an iterator is `it-<n>`: after record n (0: the trim horizon). */
function fakeApi(count: number, options: { closed?: boolean } = {}) {
  const calls: string[] = [];
  const expired = new Set<string>();
  let taken = 0;
  const positions = new Map<string, number>();
  const api = {
    newIterator: (shardId: string, from: ReadFrom) => {
      calls.push(`new ${shardId} ${from.after ?? from.startingPosition}`);
      const iterator = `it-${++taken}`;
      positions.set(iterator, from.after ? Number(from.after) : from.startingPosition === 'LATEST' ? count : 0);
      return Promise.resolve(iterator);
    },
    getRecords: (iterator: string, limit: number) => {
      calls.push(`get ${iterator}`);
      if (expired.has(iterator)) return Promise.reject(new Expired('Iterator expired'));
      const at = positions.get(iterator)!;
      const records = Array.from({ length: Math.min(limit, count - at) }, (_, i) => String(at + i + 1));
      const next = at + records.length;
      if (options.closed && next === count) return Promise.resolve({ records });
      const nextIterator = `it-${++taken}`;
      positions.set(nextIterator, next);
      return Promise.resolve({ records, nextIterator });
    },
    sequenceNumber: (record: string) => record,
    isExpired: (error: unknown) => error instanceof Expired,
  };
  return { api, calls, expired };
}

describe('shard iterators', () => {
  it('take one iterator at the starting position, then go on with the one each read hands back', async () => {
    const { api, calls } = fakeApi(5);
    const iterators = new ShardIterators(api);

    const first = await iterators.read('s-1', { startingPosition: 'TRIM_HORIZON' }, 2);
    const second = await iterators.read('s-1', { after: '2', startingPosition: 'TRIM_HORIZON' }, 2);

    expect([first, second]).toEqual([
      { records: ['1', '2'], end: false },
      { records: ['3', '4'], end: false },
    ]);
    expect(calls).toEqual(['new s-1 TRIM_HORIZON', 'get it-1', 'get it-2']);
  });

  it('keep the iterator while nothing has come (LATEST is not asked for again)', async () => {
    const { api, calls } = fakeApi(3);
    const iterators = new ShardIterators(api);

    await iterators.read('s-1', { startingPosition: 'LATEST' }, 10);
    await iterators.read('s-1', { startingPosition: 'LATEST' }, 10);

    expect(calls).toEqual(['new s-1 LATEST', 'get it-1', 'get it-2']);
  });

  it('take a new iterator after the checkpoint when asked to go back (a retry)', async () => {
    const { api, calls } = fakeApi(5);
    const iterators = new ShardIterators(api);

    await iterators.read('s-1', { startingPosition: 'TRIM_HORIZON' }, 3);
    const retry = await iterators.read('s-1', { after: '1', startingPosition: 'TRIM_HORIZON' }, 2);

    expect(retry.records).toEqual(['2', '3']);
    expect(calls).toEqual(['new s-1 TRIM_HORIZON', 'get it-1', 'new s-1 1', 'get it-3']);
  });

  it('take a new iterator from the same place when the one held has expired', async () => {
    const { api, calls, expired } = fakeApi(5);
    const iterators = new ShardIterators(api);
    await iterators.read('s-1', { startingPosition: 'TRIM_HORIZON' }, 2);
    expired.add('it-2');

    const next = await iterators.read('s-1', { after: '2', startingPosition: 'TRIM_HORIZON' }, 2);

    expect(next.records).toEqual(['3', '4']);
    expect(calls).toEqual(['new s-1 TRIM_HORIZON', 'get it-1', 'get it-2', 'new s-1 2', 'get it-3']);
  });

  it('say a closed shard has ended once its last records are returned, and hold nothing for it', async () => {
    const { api, calls } = fakeApi(3, { closed: true });
    const iterators = new ShardIterators(api);

    const last = await iterators.read('s-1', { startingPosition: 'TRIM_HORIZON' }, 10);
    await iterators.read('s-1', { after: '3', startingPosition: 'TRIM_HORIZON' }, 10);

    expect(last).toEqual({ records: ['1', '2', '3'], end: true });
    expect(calls.slice(2)).toEqual(['new s-1 3', 'get it-2']);
  });

  it('pass other errors on, keeping the iterator held', async () => {
    const { api } = fakeApi(5);
    const iterators = new ShardIterators({
      ...api,
      getRecords: jest
        .fn()
        .mockImplementationOnce(api.getRecords)
        .mockRejectedValueOnce(new Error('throttled'))
        .mockImplementation(api.getRecords),
    });
    await iterators.read('s-1', { startingPosition: 'TRIM_HORIZON' }, 2);

    await expect(iterators.read('s-1', { after: '2', startingPosition: 'TRIM_HORIZON' }, 2)).rejects.toThrow(
      'throttled',
    );
    const again = await iterators.read('s-1', { after: '2', startingPosition: 'TRIM_HORIZON' }, 2);

    expect(again.records).toEqual(['3', '4']);
  });
});
