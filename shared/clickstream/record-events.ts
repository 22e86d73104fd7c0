/**
 * POST /events: the web app's clicks onto the clickstream. Each event becomes one record on the
 * stream (clickstream-record.ts) once the caller's rate limit allows it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { NotStoredError } from '../errors';
import { isSafeText } from '../safe-text';
import type { ClickstreamStream, RateLimitStore } from './clickstream-ports';
import type { ClickstreamEvent, ClickstreamRecord } from './clickstream-record';
import { takeAllowance, type RateLimitPolicy } from './rate-limit';

export interface RecordEventsDeps {
  stream: ClickstreamStream;
  rateLimits: RateLimitStore;
  rateLimit: RateLimitPolicy;
  /** The rate limiter's HMAC key (a secret; read once per execution environment). */
  secretKey: () => Promise<string>;
  /** Waits between tries; tests pass one that does not. */
  wait?: (ms: number) => Promise<unknown>;
}

export interface Caller {
  sourceIp: string;
  userAgent: string;
}

/**
 * Tries of the records a PutRecords call did not take (throttled shards, internal failures).
 * The SDK already retries a call that fails as a whole; these are the per-record failures, which
 * it does not see.
 */
export const putAttempts = 3;
const baseDelayMs = 100;

/** What a user agent may take up in a record; longer ones are cut (they are never needed whole). */
const maxUserAgentLength = 512;

export function toRecord(event: ClickstreamEvent, caller: Caller, receivedAt: Date): ClickstreamRecord {
  const userAgent = caller.userAgent.slice(0, maxUserAgentLength);
  return {
    ...event,
    receivedAt: receivedAt.toISOString(),
    ip: caller.sourceIp,
    // A header is not the caller's data to refuse a click for: one the stores cannot hold as it is
    // (controls, bidi overrides; shared/safe-text.ts) is left out instead.
    userAgent: isSafeText(userAgent) ? userAgent : '',
    // No userId: the route is public, so API Gateway checks no token for it; a user id read from
    // an unchecked token could be anyone's, and checking tokens here would put a JWKS lookup on
    // every click. Trending needs no user, and the data lake is better without one.
  };
}

/**
 * Puts the events on the stream, retrying only the records the stream did not take, with
 * exponential back-off and jitter. Returns how many were stored; if some still are not, throws
 * NotStoredError naming them (by their index in `events`), so the caller sends only those again:
 * an event is never reported stored when it is not.
 */
export async function recordEvents(
  deps: RecordEventsDeps,
  events: ClickstreamEvent[],
  caller: Caller,
  now: Date = new Date(),
): Promise<{ accepted: number }> {
  await takeAllowance(deps.rateLimits, deps.rateLimit, {
    sourceIp: caller.sourceIp,
    secretKey: await deps.secretKey(),
    cost: events.length,
    now,
  });
  const records = events.map((event) => toRecord(event, caller, now));
  const wait = deps.wait ?? sleep;
  let pending = records.map((_, index) => index);
  for (let attempt = 1; attempt <= putAttempts && pending.length > 0; attempt++) {
    if (attempt > 1) await wait(Math.random() * baseDelayMs * 2 ** (attempt - 1));
    let failed: number[];
    try {
      failed = await deps.stream.put(pending.map((index) => records[index]!));
    } catch (error) {
      // The SDK has retried the call already; whatever it did not take stays pending.
      if (attempt === putAttempts) throw notStored(records.length, pending, error);
      continue;
    }
    pending = failed.map((position) => pending[position]!);
  }
  if (pending.length > 0) throw notStored(records.length, pending);
  return { accepted: records.length };
}

function notStored(total: number, pending: number[], cause?: unknown): NotStoredError {
  const error = new NotStoredError(
    `${pending.length} of ${total} events could not be stored; send those again`,
    { accepted: total - pending.length, notStored: pending },
    1,
  );
  if (cause !== undefined) error.cause = cause;
  return error;
}
