import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { collectGarbageEvery } from '../../../shared/runtime/full-gc';

const pieces = (sizes: number[]) => sizes.map((size, i) => Buffer.alloc(size, 97 + i));

describe('collectGarbageEvery', () => {
  it('passes every byte through unchanged and collects once per `everyBytes` read', async () => {
    const gc = jest.fn();
    const input = pieces([600, 500, 100, 1000, 50]);
    const out = await buffer(Readable.from(input).pipe(collectGarbageEvery(1000, gc)));
    expect(out.equals(Buffer.concat(input))).toBe(true);
    // 600+500 reaches 1000 (first), 100+1000 reaches it again (second); the last 50 do not.
    expect(gc).toHaveBeenCalledTimes(2);
  });

  it('still passes the bytes through where the runtime has no gc (node without --expose-gc)', async () => {
    const input = pieces([2000, 2000]);
    const out = await buffer(Readable.from(input).pipe(collectGarbageEvery(1000, undefined)));
    expect(out.length).toBe(4000);
  });
});
