/**
 * A per-caller rate limit for the public POST /events: a fixed window of `windowSeconds`, in which
 * one caller may send at most `limit` events (events, not requests: what each request costs the
 * stream and the aggregates grows with its events, and a flood of one-event requests is held back
 * the same). API Gateway's HTTP API throttles a route as a whole, not per caller, hence this.
 *
 * The caller is its source IP, which is personal data: the counter's key is an HMAC of it under a
 * secret key, so the store never holds the address, and a leaked table cannot be reversed by
 * hashing all 2^32 IPv4 addresses (as a plain or salted hash could). Counters expire with their
 * window.
 */
import { createHmac } from 'node:crypto';
import { RateLimitedError } from '../errors';
import type { RateLimitStore } from './clickstream-ports';

export interface RateLimitPolicy {
  /** Events one caller may send per window. */
  limit: number;
  windowSeconds: number;
}

/** The counter key's part that stands for the caller: HMAC-SHA-256 of its address, hex. */
export function callerHash(sourceIp: string, secretKey: string): string {
  return createHmac('sha256', secretKey).update(sourceIp).digest('hex');
}

/**
 * Takes `cost` events from the caller's allowance of the current window, or throws
 * RateLimitedError with the seconds left until the next window. A refused request takes nothing.
 */
export async function takeAllowance(
  store: RateLimitStore,
  policy: RateLimitPolicy,
  request: { sourceIp: string; secretKey: string; cost: number; now: Date },
): Promise<void> {
  const nowSeconds = Math.floor(request.now.getTime() / 1000);
  const windowStart = nowSeconds - (nowSeconds % policy.windowSeconds);
  const windowEnd = windowStart + policy.windowSeconds;
  const key = `${callerHash(request.sourceIp, request.secretKey)}#${windowStart}`;
  // Kept one window longer than it counts: DynamoDB deletes expired items late, never early.
  const allowed = await store.consume(key, request.cost, policy.limit, windowEnd + policy.windowSeconds);
  if (!allowed) {
    throw new RateLimitedError(
      `At most ${policy.limit} events per ${policy.windowSeconds} seconds from one address; try again later`,
      Math.max(1, windowEnd - nowSeconds),
    );
  }
}
