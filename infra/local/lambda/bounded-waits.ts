/**
 * Waits that must not hold up the stack's stop (the async-invoke and poller cores, the Firehose
 * module): a sleep a stop cuts short, and the bounded wait for what is under way before it is
 * abandoned.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`; resolves false when `signal` aborts first. */
export const interruptibleSleep = (ms: number, signal: AbortSignal): Promise<boolean> =>
  delay(ms, undefined, { signal }).then(
    () => true,
    () => false,
  );

/** Resolves once every task has settled or `ms` have passed, whichever comes first; never rejects. */
export async function settledWithin(tasks: Promise<unknown>[], ms: number): Promise<void> {
  // Aborted once the race is over, so a stop that finished early leaves no timer behind.
  const patience = new AbortController();
  await Promise.race([
    Promise.allSettled(tasks),
    delay(ms, undefined, { signal: patience.signal }).catch(() => undefined),
  ]);
  patience.abort();
}
