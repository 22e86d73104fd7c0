/**
 * Lambda's event source mapping: the one poller the local platform runs it with, in two modes.
 *
 * - Queues (SQS; https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html): batches gathered up
 *   to `batchSize`, the batching window or the payload limit, at most `maximumConcurrency` of them
 *   running; after each, what succeeded is deleted and what failed is left to the queue (its
 *   visibility timeout, receive count and RedrivePolicy), with partial batch responses
 *   (`ReportBatchItemFailures`). A queue service supplies a QueueSource (receive, settle).
 * - Streams (Kinesis, DynamoDB Streams; https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html):
 *   each shard read in order with one batch in flight, a parent shard before its children; a
 *   failed batch retried (`maximumRetryAttempts`, -1 = until the record expires), split in two
 *   first with `bisectBatchOnFunctionError`, its records dropped once older than
 *   `maximumRecordAgeInSeconds`, and what is given up on described in an on-failure destination
 *   record; partial batch responses checkpoint before the lowest failed sequence number and retry
 *   from there; tumbling windows carry the function's state across a window's invocations and end
 *   with a final invoke. A stream service supplies a StreamReader and a StreamEventFormat
 *   (stream-source.ts); this file is the rest.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { interruptibleSleep, settledWithin } from './bounded-waits';
import type { Destinations } from './destinations';
import { errorMessage, type Invocation } from './invoke';
import type { StartingPosition, StreamEventFormat, StreamReader } from './stream-source';

/** Lambda's payload limit for a synchronous invocation; a batch is cut before it. */
export const payloadLimit = 6 * 1024 * 1024 - 64 * 1024;

export type Invoke = (functionKey: string, event: unknown, signal?: AbortSignal) => Promise<Invocation>;

export interface RunningPoller {
  /** Resolves once nothing is being gathered, invoked or retried. */
  idle(): Promise<void>;
  /** Stops polling, waits (boundedly) for the invocation under way, then abandons it. */
  stop(): Promise<void>;
}

export interface PollerTiming {
  /** Between polls of a source with nothing new. Default 150 ms for queues, 250 ms for streams. */
  pollIntervalMs?: number;
  /** How long stop() waits for invocations under way. Default 8000. */
  stopTimeoutMs?: number;
  /** A stream batch's first retry waits this long, doubling up to 8 times it. Default 1000. */
  retryDelayMs?: number;
  /** How often a stream's shards are listed again (new shards, splits). Default 5000. */
  shardRefreshMs?: number;
  /** The clock records are aged and windows cut by. */
  now?: () => number;
  /** Waits `ms`; resolves false when `signal` aborts first. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// What the function answered

export interface BatchSettlement {
  /** Item identifiers (message ids, sequence numbers) that succeeded. */
  delete: string[];
  /** Item identifiers that failed: they come back. */
  failed: string[];
  /** Why the whole batch failed, when it did. */
  problem?: string;
}

/**
 * What the event source mapping makes of an invocation: a function error fails the whole batch;
 * with ReportBatchItemFailures only the reported items fail, and a response Lambda cannot use (an
 * identifier missing, empty or not in the batch) fails the whole batch. Without it, any answer of
 * a function that did not fail is a success.
 */
export function settleBatch(
  itemIds: string[],
  invocation: Invocation,
  reportBatchItemFailures: boolean,
): BatchSettlement {
  const keepAll = (problem: string): BatchSettlement => ({ delete: [], failed: [...itemIds], problem });
  if (invocation.functionError) return keepAll(`function error: ${errorMessage(invocation)}`);
  if (!reportBatchItemFailures) return { delete: [...itemIds], failed: [] };
  const response = invocation.payload;
  if (response === null || response === undefined || response === '') return { delete: [...itemIds], failed: [] };
  if (typeof response !== 'object' || Array.isArray(response)) {
    return keepAll(`invalid batch response ${JSON.stringify(response)}`);
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { delete: [...itemIds], failed: [] };
  if (!Array.isArray(failures)) return keepAll('invalid batch response: batchItemFailures is not a list');
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !id || !itemIds.includes(id)) {
      return keepAll(`invalid batch response: itemIdentifier ${JSON.stringify(id)} is not an item of the batch`);
    }
    failed.add(id);
  }
  return { delete: itemIds.filter((id) => !failed.has(id)), failed: itemIds.filter((id) => failed.has(id)) };
}

const plural = (n: number, word: string, words = `${word}s`) => `${n} ${n === 1 ? word : words}`;

// ---------------------------------------------------------------------------------------------
// Queues

export interface QueueMapping {
  functionKey: string;
  batchSize: number;
  /** Seconds to gather a batch for. */
  maximumBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  /** Batches running at once (Lambda's default for SQS: it scales up from five). */
  maximumConcurrency: number;
}

/** What a queue service gives the poller: SQS's is in infra/local/aws/sqs/. */
export interface QueueSource<M> {
  /** Names the source in log lines, e.g. `SQS ImportQueue`. */
  readonly label: string;
  /** Up to `max` messages, at once (no long polling); [] when there are none. */
  receive(max: number, signal: AbortSignal): Promise<M[]>;
  /** The item identifier a partial batch response names the message by. */
  id(message: M): string;
  /** Bytes the message adds to the invocation's payload. */
  size(message: M): number;
  /** The event Lambda sends for these messages. */
  toEvent(messages: M[]): unknown;
  /** Deletes what succeeded and hands back what failed; returns a problem worth a log line, if any. */
  settle(messages: M[], settlement: BatchSettlement): Promise<string | undefined>;
}

export interface QueuePollerOptions<M> {
  mapping: QueueMapping;
  source: QueueSource<M>;
  invoke: Invoke;
  log?: (line: string) => void;
  timing?: Pick<PollerTiming, 'pollIntervalMs' | 'stopTimeoutMs'>;
}

export function startQueuePoller<M>({
  mapping,
  source,
  invoke,
  log = () => undefined,
  timing = {},
}: QueuePollerOptions<M>): RunningPoller {
  const pollIntervalMs = timing.pollIntervalMs ?? 150;
  const stopTimeoutMs = timing.stopTimeoutMs ?? 8000;
  const what = `${source.label} → ${mapping.functionKey}`;
  let stopping = false;
  const stopped = new AbortController();
  const abandon = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let gathering = false;
  // Once stopping, outcomes are not news: the last words belong to whoever stops the stack.
  const say = (line: string) => {
    if (!stopping) log(line);
  };
  const sleep = (ms: number) => interruptibleSleep(ms, stopped.signal);

  async function runBatch(messages: M[]) {
    const invocation = await invoke(mapping.functionKey, source.toEvent(messages), abandon.signal);
    if (abandon.signal.aborted) return;
    const ids = messages.map((m) => source.id(m));
    const settlement = settleBatch(ids, invocation, mapping.reportBatchItemFailures);
    const problem = await source.settle(messages, settlement);
    const outcome = settlement.problem
      ? `all ${ids.length} returning (${settlement.problem})`
      : `${settlement.failed.length} failed`;
    say(`${what}: ${plural(ids.length, 'record')}, ${outcome}${problem ? `; ${problem}` : ''}`);
  }

  const loop = (async () => {
    let batch: M[] = [];
    let bytes = 0;
    let windowEnds = 0;
    let failing = false;
    while (!stopping) {
      gathering = batch.length > 0;
      if (inFlight.size >= mapping.maximumConcurrency) {
        // No receiving for a batch that could not run yet: its visibility timeout would be ticking.
        await Promise.race([...inFlight, sleep(1000)]);
        continue;
      }
      let received: M[];
      try {
        received = await source.receive(Math.min(10, mapping.batchSize - batch.length), stopped.signal);
        failing = false;
      } catch (error) {
        if (stopping) break;
        if (!failing) say(`${source.label}: receive failed (${(error as Error).message}); retrying`);
        failing = true;
        await sleep(1000);
        continue;
      }
      if (received.length) {
        if (!batch.length) windowEnds = Date.now() + mapping.maximumBatchingWindowSeconds * 1000;
        batch.push(...received);
        bytes += received.reduce((sum, m) => sum + source.size(m), 0);
        gathering = true;
      }
      if (batch.length && (batch.length >= mapping.batchSize || bytes >= payloadLimit || Date.now() >= windowEnds)) {
        const messages = batch;
        batch = [];
        bytes = 0;
        const task = runBatch(messages).catch((error: Error) => say(`${what}: ${error.message}`));
        inFlight.add(task);
        void task.finally(() => inFlight.delete(task));
        continue;
      }
      if (!received.length) {
        await sleep(batch.length ? Math.max(0, Math.min(pollIntervalMs, windowEnds - Date.now())) : pollIntervalMs);
      }
    }
    gathering = false;
  })();

  return {
    async idle() {
      // Twice in a row, a poll apart: a batch being handed from the poller to its invocation is
      // neither gathered nor in flight for an instant.
      let quiet = 0;
      while (quiet < 2 && !stopping) {
        quiet = gathering || inFlight.size ? 0 : quiet + 1;
        await delay(pollIntervalMs + 20);
      }
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      stopped.abort();
      await settledWithin([loop, ...inFlight], stopTimeoutMs);
      // What is still running is abandoned: its messages come back after the visibility timeout.
      abandon.abort();
      await Promise.allSettled([loop, ...inFlight]);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Streams

export interface StreamMapping {
  functionKey: string;
  batchSize: number;
  /** Seconds to gather a batch for. */
  maximumBatchingWindowSeconds: number;
  /** AT_TIMESTAMP reads from the trim horizon and skips what arrived before `startingPositionTimestamp`. */
  startingPosition: StartingPosition | 'AT_TIMESTAMP';
  /** Epoch seconds, for AT_TIMESTAMP. */
  startingPositionTimestamp?: number;
  /** Retries of a failed batch; -1: until its records expire. */
  maximumRetryAttempts: number;
  /** Records older than this are not invoked again; -1: never too old. */
  maximumRecordAgeSeconds: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  /** 0: no tumbling window. */
  tumblingWindowSeconds: number;
  /** Read, not applied: locally each shard runs one batch at a time, in order. */
  parallelizationFactor: number;
  /** Where records given up on are described (an ARN: SQS today, via destinations.ts). */
  onFailure?: string;
}

/** Where a mapping's shards are checkpointed, so a restart goes on where the last run stopped. */
export interface CheckpointStore {
  get(shardId: string): string | undefined;
  set(shardId: string, sequenceNumber: string): void;
}

export function memoryCheckpoints(): CheckpointStore {
  const checkpoints = new Map<string, string>();
  return { get: (shardId) => checkpoints.get(shardId), set: (shardId, seq) => void checkpoints.set(shardId, seq) };
}

/** Checkpoints kept in a JSON file (one per service's data folder), under `key` (one per mapping). */
export function fileCheckpoints(path: string, key: string): CheckpointStore {
  const read = (): Record<string, Record<string, string>> => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, string>>;
    } catch {
      return {};
    }
  };
  return {
    get: (shardId) => read()[key]?.[shardId],
    set(shardId, sequenceNumber) {
      const all = read();
      all[key] = { ...all[key], [shardId]: sequenceNumber };
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${JSON.stringify(all, null, 2)}\n`);
    },
  };
}

export type StreamFailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface StreamBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  approximateArrivalOfFirstRecord: string;
  approximateArrivalOfLastRecord: string;
  batchSize: number;
  streamArn: string;
}

/**
 * The record Lambda sends to a stream mapping's on-failure destination: where the records are,
 * not the records (they stay in the stream until they expire).
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
 */
export interface StreamFailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: StreamFailureCondition;
    approximateInvokeCount: number;
  };
  responseContext?: { statusCode: number; executedVersion: '$LATEST'; functionError?: string };
  version: '1.0';
  timestamp: string;
  KinesisBatchInfo?: StreamBatchInfo;
  DDBStreamBatchInfo?: StreamBatchInfo;
}

export function streamFailureRecord(options: {
  functionArn: string;
  condition: StreamFailureCondition;
  /** The last invocation of these records, if they were invoked at all. */
  invocation?: Invocation;
  invokeCount: number;
  batchInfoKey: 'KinesisBatchInfo' | 'DDBStreamBatchInfo';
  batch: { shardId: string; streamArn: string; records: { sequenceNumber: string; arrivedAt: number }[] };
  timestamp: Date;
  requestId?: string;
}): StreamFailureRecord {
  const { batch, invocation } = options;
  // Kinesis gives arrival times in milliseconds, DynamoDB Streams in whole seconds.
  const time = (ms: number) =>
    options.batchInfoKey === 'DDBStreamBatchInfo'
      ? new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
      : new Date(ms).toISOString();
  const first = batch.records[0]!;
  const last = batch.records.at(-1)!;
  return {
    requestContext: {
      requestId: options.requestId ?? randomUUID(),
      functionArn: options.functionArn,
      condition: options.condition,
      approximateInvokeCount: options.invokeCount,
    },
    ...(invocation
      ? {
          responseContext: {
            statusCode: invocation.status,
            executedVersion: '$LATEST' as const,
            ...(invocation.functionError ? { functionError: invocation.functionError } : {}),
          },
        }
      : {}),
    version: '1.0',
    timestamp: options.timestamp.toISOString(),
    [options.batchInfoKey]: {
      shardId: batch.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: time(first.arrivedAt),
      approximateArrivalOfLastRecord: time(last.arrivedAt),
      batchSize: batch.records.length,
      streamArn: batch.streamArn,
    },
  };
}

export interface StreamPollerOptions<R> {
  mapping: StreamMapping;
  reader: StreamReader<R>;
  format: StreamEventFormat<R>;
  invoke: Invoke;
  destinations: Destinations;
  region: string;
  /** The function's ARN, for the on-failure record. */
  functionArn: string;
  /** Names the mapping in log lines, e.g. `Kinesis ClickStream → countViews`. */
  label: string;
  /** In memory unless given (startStreamPollers keeps them in the service's data folder). */
  checkpoints?: CheckpointStore;
  log?: (line: string) => void;
  timing?: PollerTiming;
}

/** The state a tumbling window carries between invocations, at most 1 MB (Lambda's limit). */
const maxWindowStateBytes = 1024 * 1024;

interface Window {
  start: number;
  end: number;
  state: unknown;
}

interface ShardState<R> {
  shardId: string;
  parentShardId?: string;
  /** Read and not yet done with, in order. */
  buffer: R[];
  /** The last record read (not necessarily processed). */
  lastRead?: string;
  /** When the oldest buffered record was read: the batching window runs from then. */
  bufferedSince: number;
  /** The reader said the shard is closed and read to its end. */
  ended: boolean;
  /** Ended, every record done with, its window closed. */
  finished: boolean;
  /** Caught up: nothing buffered, nothing running, nothing new at the last read, no window open. */
  quiet: boolean;
  /** Turns of its loop so far: idle() waits for a quiet turn that began after it was asked. */
  turns: number;
  startingPosition: StartingPosition;
  /** AT_TIMESTAMP: records that arrived before this (epoch ms) are passed over. */
  skipBefore?: number;
  window?: Window;
}

interface WorkItem<R> {
  records: R[];
  /** Invocations of these records so far (a bisected batch's halves inherit the count). */
  invocations: number;
  /** Retries spent (bisecting spends none). */
  retries: number;
  lastInvocation?: Invocation;
}

export function startStreamPoller<R>(options: StreamPollerOptions<R>): RunningPoller {
  const { mapping, reader, format, destinations, log = () => undefined } = options;
  const timing = options.timing ?? {};
  const pollIntervalMs = timing.pollIntervalMs ?? 250;
  const stopTimeoutMs = timing.stopTimeoutMs ?? 8000;
  const retryDelayMs = timing.retryDelayMs ?? 1000;
  const shardRefreshMs = timing.shardRefreshMs ?? 5000;
  const now = timing.now ?? Date.now;
  const sleepFor = timing.sleep ?? interruptibleSleep;
  const checkpoints = options.checkpoints ?? memoryCheckpoints();
  const streamArn = reader.streamArn;
  const windowMs = mapping.tumblingWindowSeconds * 1000;
  const what = options.label;

  let stopping = false;
  const stopped = new AbortController();
  const abandon = new AbortController();
  const shards = new Map<string, ShardState<R>>();
  const loops = new Set<Promise<void>>();
  let listed = false;
  let idleWaiters: { turns: Map<string, number>; resolve: () => void }[] = [];
  const say = (line: string) => {
    if (!stopping) log(line);
  };
  const sleep = (ms: number) => sleepFor(ms, stopped.signal);
  const seq = (record: R) => reader.sequenceNumber(record);

  /** Resolves the idle() calls every shard has since been quiet for a whole turn of its loop. */
  function checkIdle() {
    if (!listed) return;
    const quietSince = (turns: Map<string, number>) =>
      [...shards.values()].every((s) => s.finished || (s.quiet && s.turns > (turns.get(s.shardId) ?? 0)));
    const waiting = idleWaiters;
    idleWaiters = waiting.filter(({ turns }) => !quietSince(turns));
    for (const waiter of waiting) if (!idleWaiters.includes(waiter)) waiter.resolve();
  }

  function checkpoint(shard: ShardState<R>, record: R | undefined) {
    if (record) checkpoints.set(shard.shardId, seq(record));
  }

  const windowStart = (record: R) => Math.floor(reader.arrivedAt(record) / windowMs) * windowMs;

  function event(shard: ShardState<R>, records: R[], window?: Window, final = false, early = false): unknown {
    const context = { streamArn, region: options.region, shardId: shard.shardId };
    const Records = records.map((record) => format.toLambdaRecord(record, context));
    if (!window) return { Records };
    return {
      Records,
      window: { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() },
      state: window.state,
      shardId: shard.shardId,
      eventSourceARN: streamArn,
      isFinalInvokeForWindow: final,
      isWindowTerminatedEarly: early,
    };
  }

  async function giveUp(
    shard: ShardState<R>,
    item: WorkItem<R>,
    records: R[],
    condition: StreamFailureCondition,
    why: string,
  ) {
    const head = `${what}: ${plural(records.length, 'record')} of ${shard.shardId} ${why}`;
    checkpoint(shard, records.at(-1));
    if (!mapping.onFailure) {
      say(`${head}; skipped (no on-failure destination)`);
      return;
    }
    const record = streamFailureRecord({
      functionArn: options.functionArn,
      condition,
      invocation: item.lastInvocation,
      invokeCount: item.invocations,
      batchInfoKey: format.batchInfoKey,
      batch: {
        shardId: shard.shardId,
        streamArn,
        records: records.map((r) => ({ sequenceNumber: seq(r), arrivedAt: reader.arrivedAt(r) })),
      },
      timestamp: new Date(now()),
    });
    try {
      await destinations.deliver(mapping.onFailure, { body: JSON.stringify(record) });
      say(`${head}; skipped, described in ${destinations.describe(mapping.onFailure)}`);
    } catch (error) {
      say(`${head}; skipped: ${(error as Error).message}`);
    }
  }

  /** Invokes until the function takes the window's final state: Lambda holds the shard until then. */
  async function finishWindow(shard: ShardState<R>, early: boolean): Promise<boolean> {
    const window = shard.window!;
    for (let attempt = 1; ; attempt++) {
      const invocation = await options.invoke(
        mapping.functionKey,
        event(shard, [], window, true, early),
        abandon.signal,
      );
      if (abandon.signal.aborted) return false;
      if (!invocation.functionError) {
        say(`${what}: window ${new Date(window.start).toISOString()} of ${shard.shardId} closed`);
        return true;
      }
      say(`${what}: final invoke of a window of ${shard.shardId} failed: ${errorMessage(invocation)}; retrying`);
      if (!(await sleep(Math.min(retryDelayMs * 2 ** (attempt - 1), retryDelayMs * 8)))) return false;
    }
  }

  /** The records of `batch` until done with: succeeded, or given up on. False when stopping cut it short. */
  async function processBatch(shard: ShardState<R>, batch: R[]): Promise<boolean> {
    const items: WorkItem<R>[] = [{ records: batch, invocations: 0, retries: 0 }];
    while (items.length) {
      const item = items[0]!;
      if (mapping.maximumRecordAgeSeconds >= 0) {
        const limit = now() - mapping.maximumRecordAgeSeconds * 1000;
        const expired = item.records.findIndex((r) => reader.arrivedAt(r) >= limit);
        const old = expired === -1 ? item.records : item.records.slice(0, expired);
        if (old.length) {
          await giveUp(
            shard,
            item,
            old,
            'RecordAgeExceeded',
            `older than maximumRecordAgeInSeconds (${mapping.maximumRecordAgeSeconds} s)`,
          );
          item.records = item.records.slice(old.length);
          if (!item.records.length) items.shift();
          continue;
        }
      }
      // A retry replays the window's state as the batch started with it: only success moves it on.
      const invocation = await options.invoke(
        mapping.functionKey,
        event(shard, item.records, shard.window),
        abandon.signal,
      );
      if (abandon.signal.aborted) return false;
      item.invocations += 1;
      item.lastInvocation = invocation;
      const ids = item.records.map(seq);
      let settlement = settleBatch(ids, invocation, mapping.reportBatchItemFailures);
      const response = invocation.payload as { state?: unknown } | null;
      if (
        shard.window &&
        !settlement.problem &&
        (typeof response !== 'object' || response === null || !('state' in response))
      ) {
        settlement = { delete: [], failed: ids, problem: 'invalid window response: it has no state' };
      }
      // The failed ones come in the batch's order: the first is the lowest sequence number.
      const lowest = settlement.failed.length ? ids.indexOf(settlement.failed[0]!) : -1;
      const done = lowest === -1 ? item.records : item.records.slice(0, lowest);
      if (done.length) {
        checkpoint(shard, done.at(-1));
        if (shard.window) shard.window.state = response!.state;
      }
      if (lowest === -1) {
        say(`${what}: ${plural(ids.length, 'record')} of ${shard.shardId}`);
        items.shift();
        if (shard.window && Buffer.byteLength(JSON.stringify(shard.window.state ?? null)) > maxWindowStateBytes) {
          // Lambda ends a window whose state outgrows 1 MB early; its later records start afresh.
          if (!(await finishWindow(shard, true))) return false;
          shard.window.state = {};
        }
        continue;
      }
      const failing = item.records.slice(lowest);
      const why = settlement.problem ?? `${plural(failing.length, 'record')} reported failed`;
      if (settlement.problem && mapping.bisectBatchOnFunctionError && failing.length > 1) {
        // Splitting spends no retry. A window's state is still the one the batch started with.
        const half = Math.ceil(failing.length / 2);
        say(`${what}: ${plural(failing.length, 'record')} of ${shard.shardId} failed (${why}); bisecting`);
        items.splice(0, 1, { ...item, records: failing.slice(0, half) }, { ...item, records: failing.slice(half) });
        continue;
      }
      item.records = failing;
      item.retries += 1;
      if (mapping.maximumRetryAttempts >= 0 && item.retries > mapping.maximumRetryAttempts) {
        await giveUp(
          shard,
          item,
          failing,
          'RetryAttemptsExhausted',
          `failed (${why}) after ${plural(mapping.maximumRetryAttempts, 'retry', 'retries')}`,
        );
        items.shift();
        continue;
      }
      const wait = Math.min(retryDelayMs * 2 ** (item.retries - 1), retryDelayMs * 8);
      say(
        `${what}: ${plural(failing.length, 'record')} of ${shard.shardId} failed (${why}); retry ${item.retries}` +
          `${mapping.maximumRetryAttempts >= 0 ? ` of ${mapping.maximumRetryAttempts}` : ''} in ${wait / 1000} s`,
      );
      if (!(await sleep(wait))) return false;
    }
    return true;
  }

  /** The next batch: up to batchSize, within the payload limit, one window's records only. */
  function takeBatch(shard: ShardState<R>): R[] {
    const batch: R[] = [];
    let bytes = 0;
    for (const record of shard.buffer) {
      if (batch.length >= mapping.batchSize) break;
      if (batch.length && bytes + reader.size(record) > payloadLimit) break;
      if (windowMs && batch.length && windowStart(record) !== windowStart(batch[0]!)) break;
      batch.push(record);
      bytes += reader.size(record);
    }
    shard.buffer.splice(0, batch.length);
    return batch;
  }

  const batchReady = (shard: ShardState<R>) => {
    if (!shard.buffer.length) return false;
    if (shard.ended || shard.buffer.length >= mapping.batchSize) return true;
    const bytes = shard.buffer.reduce((sum, r) => sum + reader.size(r), 0);
    if (bytes >= payloadLimit) return true;
    // A later window's record ends the gathering for the earlier one.
    if (windowMs && windowStart(shard.buffer.at(-1)!) !== windowStart(shard.buffer[0]!)) return true;
    return now() >= shard.bufferedSince + mapping.maximumBatchingWindowSeconds * 1000;
  };

  async function runShard(shard: ShardState<R>) {
    // A split or merged shard's parent is read to its end first, so a key's records stay in order.
    while (!stopping && shard.parentShardId && shards.has(shard.parentShardId)) {
      if (shards.get(shard.parentShardId)!.finished) break;
      shard.turns += 1;
      shard.quiet = true;
      checkIdle();
      if (!(await sleep(pollIntervalMs))) return;
    }
    shard.lastRead = checkpoints.get(shard.shardId);
    if (shard.lastRead) delete shard.skipBefore;
    let failing = false;
    while (!stopping) {
      shard.turns += 1;
      shard.quiet = false;
      let fresh = 0;
      if (!shard.ended && shard.buffer.length < mapping.batchSize) {
        try {
          const { records, end } = await reader.read(
            shard.shardId,
            { ...(shard.lastRead ? { after: shard.lastRead } : {}), startingPosition: shard.startingPosition },
            mapping.batchSize - shard.buffer.length,
            stopped.signal,
          );
          failing = false;
          shard.ended = end;
          if (records.length) shard.lastRead = seq(records.at(-1)!);
          let wanted = records;
          if (shard.skipBefore !== undefined) {
            const from = shard.skipBefore;
            wanted = records.filter((r) => reader.arrivedAt(r) >= from);
            if (wanted.length) delete shard.skipBefore;
            // What arrived before the timestamp is passed over, as if done with.
            else checkpoint(shard, records.at(-1));
          }
          if (wanted.length && !shard.buffer.length) shard.bufferedSince = now();
          shard.buffer.push(...wanted);
          fresh = records.length;
        } catch (error) {
          if (stopping) break;
          if (!failing) say(`${what}: reading ${shard.shardId} failed (${(error as Error).message}); retrying`);
          failing = true;
          if (!(await sleep(1000))) break;
          continue;
        }
      }
      if (batchReady(shard)) {
        const batch = takeBatch(shard);
        if (windowMs && (!shard.window || shard.window.start !== windowStart(batch[0]!))) {
          if (shard.window && !(await finishWindow(shard, false))) break;
          const start = windowStart(batch[0]!);
          shard.window = { start, end: start + windowMs, state: {} };
        }
        if (!(await processBatch(shard, batch))) break;
        if (shard.buffer.length) shard.bufferedSince = now();
        continue;
      }
      // A window ends on the clock once its records are all done with.
      if (shard.window && !shard.buffer.length && (now() >= shard.window.end || shard.ended)) {
        if (!(await finishWindow(shard, false))) break;
        shard.window = undefined;
        continue;
      }
      if (shard.ended && !shard.buffer.length) {
        shard.finished = true;
        // Its children, quiet while they waited for it, have work now.
        for (const child of shards.values()) if (child.parentShardId === shard.shardId) child.quiet = false;
        checkIdle();
        say(`${what}: ${shard.shardId} read to its end`);
        return;
      }
      shard.quiet = !fresh && !shard.buffer.length && !shard.window;
      if (shard.quiet) checkIdle();
      if (!fresh && !(await sleep(shard.buffer.length ? Math.min(pollIntervalMs, 50) : pollIntervalMs))) break;
    }
  }

  async function listShards(initial: boolean) {
    for (const { shardId, parentShardId } of await reader.listShards()) {
      if (shards.has(shardId)) continue;
      const shard: ShardState<R> = {
        shardId,
        ...(parentShardId ? { parentShardId } : {}),
        buffer: [],
        bufferedSince: 0,
        ended: false,
        finished: false,
        quiet: false,
        turns: 0,
        // Shards that appear later (a split, a new DynamoDB shard) are read from their start.
        startingPosition: initial && mapping.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
        ...(initial && mapping.startingPosition === 'AT_TIMESTAMP'
          ? { skipBefore: (mapping.startingPositionTimestamp ?? 0) * 1000 }
          : {}),
      };
      shards.set(shardId, shard);
      const loop = runShard(shard).catch((error: Error) => say(`${what}: ${shard.shardId}: ${error.message}`));
      loops.add(loop);
    }
  }

  const main = (async () => {
    let listing = true;
    let listedAt = 0;
    while (!stopping) {
      if (listing || now() - listedAt >= shardRefreshMs) {
        try {
          await listShards(listing);
          listing = false;
          listed = true;
          listedAt = now();
        } catch (error) {
          if (stopping) break;
          say(`${what}: listing shards failed (${(error as Error).message}); retrying`);
        }
        checkIdle();
      }
      if (!(await sleep(pollIntervalMs))) break;
    }
  })();

  return {
    idle() {
      if (stopping) return Promise.resolve();
      return new Promise<void>((resolve) => {
        idleWaiters.push({ turns: new Map([...shards.values()].map((s) => [s.shardId, s.turns])), resolve });
      });
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      stopped.abort();
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const { resolve } of waiters) resolve();
      await settledWithin([main, ...loops], stopTimeoutMs);
      // What is still running is abandoned: its records are read again from the checkpoint.
      abandon.abort();
      await Promise.allSettled([main, ...loops]);
      await reader.close?.();
    },
  };
}
