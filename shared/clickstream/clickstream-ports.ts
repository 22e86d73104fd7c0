/**
 * Ports of the clickstream. Adapters: shared/adapters/kinesis/ (the stream) and
 * shared/adapters/dynamodb/ (rate limits, aggregates, product names).
 */
import type { ClickstreamRecord } from './clickstream-record';
import type { MinuteCount, WindowWrite } from './clickstream-aggregation';

export interface ClickstreamStream {
  /**
   * Puts the records in one request (at most 500) and returns the indexes of those the stream
   * did not take (throttled or failed inside the service); the others are stored.
   */
  put(records: ClickstreamRecord[]): Promise<number[]>;
}

export interface RateLimitStore {
  /**
   * Adds `cost` to the counter `key` if it stays at most `limit`, and says whether it did. The
   * counter may be forgotten once `expiresAt` (epoch seconds) has passed.
   */
  consume(key: string, cost: number, limit: number, expiresAt: number): Promise<boolean>;
}

export interface ClickstreamAggregates {
  /**
   * Adds one closed window's counts, once: a write whose `id` was already applied changes nothing
   * (a window delivered again, a retried invocation).
   */
  apply(write: WindowWrite): Promise<{ applied: boolean }>;
  /** Every per-minute count of the minutes from `fromMinute` to `toMinute`, both included. */
  countsBetween(fromMinute: string, toMinute: string): Promise<MinuteCount[]>;
}

export interface ProductNames {
  /** The names of the SKUs still in the catalog; a SKU that is not has no entry. */
  namesOf(skus: readonly string[]): Promise<Map<string, string>>;
}
