/**
 * Views and add-to-carts per product per minute, counted with Lambda's tumbling windows
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html).
 *
 * Lambda hands each invocation of a window the state the previous one returned; the function
 * counts the batch into it and returns it. On the window's final invocation it writes what the
 * state holds. Lambda processes a record "at least once": a failed invocation is retried with the
 * state it started with, so the final write can run twice for the same window. Each write
 * therefore carries an id made of what identifies the window's counts (window start, shard, the
 * lowest sequence number counted), and the store applies an id only once.
 */
import * as z from '../zod';
import { clickstreamRecordSchema, type ClickstreamEventType } from './clickstream-record';

/** What the aggregator keeps between the invocations of one window of one shard. */
export const windowStateSchema = z.object({
  /** Per SKU: [views, add-to-carts]. */
  counts: z.record(
    z.string(),
    z.tuple([z.number().check(z.int(), z.minimum(0)), z.number().check(z.int(), z.minimum(0))]),
  ),
  /** Records that were not clickstream records: logged and counted, never retried. */
  dropped: z.number().check(z.int(), z.minimum(0)),
  /**
   * The lowest sequence number counted in this window: the lowest, not the first, because a
   * retried batch may be delivered out of order. A window that Lambda ends early (its state
   * passed 1 MB) goes on with a fresh state, whose lowest sequence number is another.
   */
  lowestSequenceNumber: z.optional(z.string()),
});
export type WindowState = z.infer<typeof windowStateSchema>;

export const emptyWindowState = (): WindowState => ({ counts: {}, dropped: 0 });

/** The state Lambda passed in: absent on a window's first invocation ({} on some). */
export function windowStateFrom(state: unknown): WindowState {
  if (state === undefined || state === null || (typeof state === 'object' && Object.keys(state).length === 0)) {
    return emptyWindowState();
  }
  return windowStateSchema.parse(state);
}

/** One record of the batch as the domain sees it: its sequence number and its decoded Data. */
export interface StreamRecord {
  sequenceNumber: string;
  data: string;
}

export interface DroppedRecord {
  sequenceNumber: string;
  reason: string;
}

/** Kinesis sequence numbers are decimal strings of up to 128 bits: compare them as numbers. */
export function compareSequenceNumbers(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

function problemOf(data: string): { type: ClickstreamEventType; sku: string } | string {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return 'not JSON';
  }
  const parsed = clickstreamRecordSchema.safeParse(json);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => `${issue.path.join('.') || 'record'}: ${issue.message}`).join('; ');
  }
  return { type: parsed.data.type, sku: parsed.data.sku };
}

/**
 * Counts a batch into the window's state. A record that is not a clickstream record cannot be
 * counted however often it is tried: it is dropped (and returned, to be logged) rather than
 * stopping the shard. The state passed in is not changed.
 */
export function countRecords(
  state: WindowState,
  records: readonly StreamRecord[],
): { state: WindowState; dropped: DroppedRecord[] } {
  const counts = { ...state.counts };
  let lowest = state.lowestSequenceNumber;
  const dropped: DroppedRecord[] = [];
  for (const record of records) {
    if (lowest === undefined || compareSequenceNumbers(record.sequenceNumber, lowest) < 0) {
      lowest = record.sequenceNumber;
    }
    const event = problemOf(record.data);
    if (typeof event === 'string') {
      dropped.push({ sequenceNumber: record.sequenceNumber, reason: event });
      continue;
    }
    const [views, addToCarts] = counts[event.sku] ?? [0, 0];
    counts[event.sku] = event.type === 'view' ? [views + 1, addToCarts] : [views, addToCarts + 1];
  }
  return {
    state: {
      counts,
      dropped: state.dropped + dropped.length,
      ...(lowest === undefined ? {} : { lowestSequenceNumber: lowest }),
    },
    dropped,
  };
}

/** A minute in UTC, the key the counts are kept under: `2026-12-02T19:45`. */
export function minuteOf(time: Date | string): string {
  const date = typeof time === 'string' ? new Date(time) : time;
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a time: ${String(time)}`);
  return date.toISOString().slice(0, 16);
}

export interface ProductCount {
  sku: string;
  views: number;
  addToCarts: number;
}

export interface MinuteCount extends ProductCount {
  minute: string;
}

/** One write of a closed window's counts, applied at most once by its id. */
export interface WindowWrite {
  /** `<window start>/<shard id>/<lowest sequence number>/<part>`: the same on every retry. */
  id: string;
  windowStart: string;
  shardId: string;
  minute: string;
  counts: ProductCount[];
}

/**
 * SKUs per write. A write is one DynamoDB transaction (shared/adapters/dynamodb/
 * clickstream-aggregates.ts): the once-only marker plus one update per SKU, and a transaction
 * holds at most 100 actions.
 */
export const skusPerWrite = 99;

/**
 * The writes that store a closed window's counts. Several when the window counted more SKUs than
 * one write holds: they are cut from the SKUs in sorted order, so a retry cuts the same parts and
 * each part is applied once, even if only some were applied before the retry.
 */
export function planWindowWrites(window: { start: string }, shardId: string, state: WindowState): WindowWrite[] {
  if (state.lowestSequenceNumber === undefined) return [];
  const minute = minuteOf(window.start);
  const counts = Object.entries(state.counts)
    .filter(([, [views, addToCarts]]) => views + addToCarts > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, [views, addToCarts]]) => ({ sku, views, addToCarts }));
  // Two shards' windows with the same start must not share ids.
  if (counts.length > 0 && !shardId) throw new Error('A window is written per shard, and its shard id is missing');
  const writes: WindowWrite[] = [];
  for (let part = 0; part * skusPerWrite < counts.length; part++) {
    writes.push({
      id: `${window.start}/${shardId}/${state.lowestSequenceNumber}/${part}`,
      windowStart: window.start,
      shardId,
      minute,
      counts: counts.slice(part * skusPerWrite, (part + 1) * skusPerWrite),
    });
  }
  return writes;
}

/**
 * One invocation of the window: count the batch; on the final one, apply the window's writes
 * and start the next window with an empty state.
 */
export async function aggregateWindow(
  aggregates: { apply(write: WindowWrite): Promise<{ applied: boolean }> },
  invocation: {
    window: { start: string };
    shardId: string;
    state: WindowState;
    records: readonly StreamRecord[];
    isFinal: boolean;
  },
): Promise<{ state: WindowState; dropped: DroppedRecord[]; written?: { writes: number; alreadyApplied: number } }> {
  const { state, dropped } = countRecords(invocation.state, invocation.records);
  if (!invocation.isFinal) return { state, dropped };
  const writes = planWindowWrites(invocation.window, invocation.shardId, state);
  let alreadyApplied = 0;
  // One after the other: a failure leaves the rest for the retry, which skips the ones applied.
  for (const write of writes) {
    const { applied } = await aggregates.apply(write);
    if (!applied) alreadyApplied++;
  }
  return { state: emptyWindowState(), dropped, written: { writes: writes.length, alreadyApplied } };
}
