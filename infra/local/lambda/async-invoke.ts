/**
 * Lambda's asynchronous invocation (InvocationType Event), the one way the local platform runs it:
 * S3 notifications, schedules, EventBridge rules, SNS, SES receipt rules and CloudWatch Logs
 * subscriptions use it. As Lambda does it (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html):
 *
 * - the event is queued and the caller goes on at once;
 * - a failed invocation is retried up to the function's `maximumRetryAttempts` (0-2, default 2),
 *   after a back-off: AWS waits about a minute, then two; locally a second, then two (`timing`);
 * - an event older than `maximumEventAge` (60-21600 s, default 6 hours) is not tried again;
 * - the outcome goes to the function's `destinations` (`onSuccess`, `onFailure`) as Lambda's
 *   invocation record, or, failed with no on-failure destination, the event itself to its
 *   dead-letter queue (`onError`); delivery goes through destinations.ts, by the ARN's service.
 */
import { randomUUID } from 'node:crypto';
import type { ServiceConfig } from '../../service-config';
import type { Intrinsics } from '../local-resources';
import { interruptibleSleep, settledWithin } from './bounded-waits';
import { destinationArn, type Destinations } from './destinations';
import { errorMessage, functionArn, type Invocation } from './invoke';

export type AsyncCondition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

/** The record Lambda sends to an asynchronous invocation's destination. */
export interface InvocationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: AsyncCondition;
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: '$LATEST'; functionError?: string };
  responsePayload: unknown;
}

export function invocationRecord(options: {
  requestId: string;
  functionArn: string;
  event: unknown;
  invocation: Invocation;
  invokeCount: number;
  /** By default Success or RetriesExhausted, from the invocation. */
  condition?: AsyncCondition;
  timestamp?: Date;
}): InvocationRecord {
  const { invocation } = options;
  return {
    version: '1.0',
    timestamp: (options.timestamp ?? new Date()).toISOString(),
    requestContext: {
      requestId: options.requestId,
      functionArn: `${options.functionArn}:$LATEST`,
      condition: options.condition ?? (invocation.functionError ? 'RetriesExhausted' : 'Success'),
      approximateInvokeCount: options.invokeCount,
    },
    requestPayload: options.event,
    responseContext: {
      statusCode: invocation.status,
      executedVersion: '$LATEST',
      ...(invocation.functionError ? { functionError: invocation.functionError } : {}),
    },
    responsePayload: invocation.payload,
  };
}

/** A function's asynchronous invocation settings, from serverless.yml (osls's function keys). */
export interface AsyncSettings {
  /** Retries after the first failure, 0-2. */
  maximumRetryAttempts: number;
  /** Seconds an event may wait to be tried again, 60-21600. */
  maximumEventAgeSeconds: number;
  /** Destination ARNs. */
  onSuccess?: string;
  onFailure?: string;
  /** The dead-letter queue or topic (`onError`): gets the failed event when there is no on-failure destination. */
  deadLetter?: string;
}

const clamp = (value: number, low: number, high: number) => Math.max(low, Math.min(high, value));

export function asyncSettings(config: ServiceConfig, functionKey: string, intrinsics: Intrinsics): AsyncSettings {
  const fn = config.functions[functionKey];
  if (!fn) throw new Error(`${functionKey} is not a function of this service`);
  const onSuccess = destinationArn(fn.destinations?.onSuccess, config, intrinsics);
  const onFailure = destinationArn(fn.destinations?.onFailure, config, intrinsics);
  const deadLetter = fn.onError === undefined ? undefined : String(intrinsics.resolve(fn.onError));
  return {
    maximumRetryAttempts: clamp(fn.maximumRetryAttempts ?? 2, 0, 2),
    maximumEventAgeSeconds: clamp(fn.maximumEventAge ?? 21_600, 60, 21_600),
    ...(onSuccess ? { onSuccess } : {}),
    ...(onFailure ? { onFailure } : {}),
    ...(deadLetter ? { deadLetter } : {}),
  };
}

export interface AsyncTiming {
  /** The first retry's wait; each later one doubles it (AWS: about a minute). Default 1000. */
  retryDelayMs?: number;
  /** How long stop() waits for invocations under way before abandoning them. Default 8000. */
  stopTimeoutMs?: number;
  /** The clock events are aged by and records stamped with. */
  now?: () => number;
  /** Waits `ms`; resolves false when `signal` aborts first. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<boolean>;
}

export interface AsyncInvokeOptions {
  config: ServiceConfig;
  intrinsics: Intrinsics;
  /** Lambda's Invoke API (RequestResponse), as TriggerContext gives it. */
  invoke(functionKey: string, event: unknown, signal?: AbortSignal): Promise<Invocation>;
  destinations: Destinations;
  log?: (line: string) => void;
  timing?: AsyncTiming;
}

export interface AsyncOutcome {
  condition: AsyncCondition | 'Abandoned';
  attempts: number;
  /** Where the record (or, for a dead-letter queue, the event) went. */
  sentTo?: string;
}

export interface AsyncInvocations {
  /**
   * Queues `event` for the function, as an asynchronous invocation does, and returns at once; the
   * promise settles (never rejects) when the event is done with. `label` starts its log lines,
   * e.g. `S3 UploadsBucket → processUpload: uploads/a.csv`.
   */
  invoke(functionKey: string, event: unknown, label: string): Promise<AsyncOutcome>;
  /** Resolves once no event is being invoked or waiting for a retry. */
  idle(): Promise<void>;
  /** Stops retrying, waits (boundedly) for the invocations under way, then abandons them. */
  stop(): Promise<void>;
}

export function startAsyncInvocations(options: AsyncInvokeOptions): AsyncInvocations {
  const { config, intrinsics, destinations, log = () => undefined } = options;
  const retryDelayMs = options.timing?.retryDelayMs ?? 1000;
  const stopTimeoutMs = options.timing?.stopTimeoutMs ?? 8000;
  const now = options.timing?.now ?? Date.now;
  const sleep = options.timing?.sleep ?? interruptibleSleep;
  const settings = new Map<string, AsyncSettings>();
  const settingsOf = (functionKey: string) => {
    let found = settings.get(functionKey);
    if (!found) settings.set(functionKey, (found = asyncSettings(config, functionKey, intrinsics)));
    return found;
  };

  let stopping = false;
  const stopped = new AbortController();
  const abandon = new AbortController();
  const running = new Set<Promise<AsyncOutcome>>();
  // Once stopping, outcomes are not news: the last words belong to whoever stops the stack.
  const say = (line: string) => {
    if (!stopping) log(line);
  };

  async function send(arn: string, body: unknown, attributes?: Record<string, string | number>): Promise<string> {
    await destinations.deliver(arn, { body: JSON.stringify(body), ...(attributes ? { attributes } : {}) });
    return destinations.describe(arn);
  }

  async function run(functionKey: string, event: unknown, label: string): Promise<AsyncOutcome> {
    const target = settingsOf(functionKey);
    const attempts = target.maximumRetryAttempts + 1;
    const queuedAt = now();
    // One request id for the invocation and its retries, as Lambda keeps it.
    const requestId = randomUUID();
    const record = (invocation: Invocation, invokeCount: number, condition: AsyncCondition) =>
      invocationRecord({
        requestId,
        functionArn: functionArn(config, functionKey),
        event,
        invocation,
        invokeCount,
        condition,
        timestamp: new Date(now()),
      });

    const fail = async (invocation: Invocation, attempt: number, condition: AsyncCondition, failure: string) => {
      try {
        if (target.onFailure) {
          const sentTo = await send(target.onFailure, record(invocation, attempt, condition));
          say(`${failure}; event sent to ${sentTo}`);
          return { condition, attempts: attempt, sentTo };
        }
        if (target.deadLetter) {
          // A dead-letter queue gets the event itself, with what went wrong in its attributes.
          const sentTo = await send(target.deadLetter, event, {
            RequestID: requestId,
            ErrorCode: invocation.status,
            ErrorMessage: errorMessage(invocation).slice(0, 1024),
          });
          say(`${failure}; event sent to the dead-letter queue ${sentTo}`);
          return { condition, attempts: attempt, sentTo };
        }
        say(`${failure}; event dropped (no on-failure destination)`);
      } catch (error) {
        say(`${failure}; event dropped: ${(error as Error).message}`);
      }
      return { condition, attempts: attempt };
    };

    for (let attempt = 1; ; attempt++) {
      const invocation = await options.invoke(functionKey, event, abandon.signal);
      if (abandon.signal.aborted) return { condition: 'Abandoned', attempts: attempt };
      if (!invocation.functionError) {
        const outcome: AsyncOutcome = { condition: 'Success', attempts: attempt };
        if (target.onSuccess) {
          try {
            outcome.sentTo = await send(target.onSuccess, record(invocation, attempt, 'Success'));
          } catch (error) {
            say(`${label}: success record not sent: ${(error as Error).message}`);
          }
        }
        say(`${label}${attempt > 1 ? ` (attempt ${attempt} of ${attempts})` : ''}`);
        return outcome;
      }
      const failure = `${label} failed (attempt ${attempt} of ${attempts}): ${errorMessage(invocation)}`;
      if (attempt >= attempts) return fail(invocation, attempt, 'RetriesExhausted', failure);
      const wait = retryDelayMs * 2 ** (attempt - 1);
      say(`${failure}; retrying in ${wait / 1000} s`);
      if (!(await sleep(wait, stopped.signal))) return { condition: 'Abandoned', attempts: attempt };
      if (now() - queuedAt >= target.maximumEventAgeSeconds * 1000) {
        return fail(
          invocation,
          attempt,
          'EventAgeExceeded',
          `${label}: older than its maximumEventAge (${target.maximumEventAgeSeconds} s), not tried again`,
        );
      }
    }
  }

  return {
    invoke(functionKey, event, label) {
      if (stopping) return Promise.resolve({ condition: 'Abandoned', attempts: 0 });
      const task = run(functionKey, event, label).catch((error: Error): AsyncOutcome => {
        say(`${label}: ${error.message}`);
        return { condition: 'Abandoned', attempts: 0 };
      });
      running.add(task);
      void task.finally(() => running.delete(task));
      return task;
    },
    async idle() {
      while (running.size) await Promise.allSettled([...running]);
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      stopped.abort();
      await settledWithin([...running], stopTimeoutMs);
      // What is still running is abandoned: the stack is going away.
      abandon.abort();
      await Promise.allSettled([...running]);
    },
  };
}
