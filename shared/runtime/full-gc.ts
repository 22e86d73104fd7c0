/**
 * A stream stage that passes bytes through unchanged and runs a full garbage collection every
 * `everyBytes` of them, where the runtime allows it: Lambda's Node.js runtime starts node with
 * `--expose-gc`, so `globalThis.gc` is there (elsewhere it usually is not, and this does nothing).
 *
 * Why: V8 collects the old generation only as it nears its limit, which Lambda sets at 90 % of
 * the function's memory. A long stream promotes some garbage on every request it makes (the SDK's
 * hash and HMAC contexts, sockets' buffers, promises), and much of it holds native memory the heap
 * does not count. Left to V8, that garbage waits for a rare major collection, so peak RSS grows
 * with the file's length (bench/results.md: +50 % between a 64 MiB and a 1 GiB file). A full
 * collection every 16 MiB read costs a few milliseconds each and keeps peak RSS about the same whatever the
 * file's size.
 */
import { Transform } from 'node:stream';

type FullGc = () => void;

export function collectGarbageEvery(everyBytes: number, gc = (globalThis as { gc?: FullGc }).gc): Transform {
  let sinceLast = 0;
  return new Transform({
    transform(piece: Buffer, _encoding, callback) {
      sinceLast += piece.length;
      if (gc && sinceLast >= everyBytes) {
        sinceLast = 0;
        gc();
      }
      callback(null, piece);
    },
  });
}
