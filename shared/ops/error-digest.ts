/**
 * Error digests: the error lines CloudWatch Logs delivers from the functions' log groups (one
 * subscription filter per log group, infra/package/error-digest-subscriptions.ts), turned into at
 * most one message per function per five minutes on ops-alerts, so that a failing function pages
 * an operator once, with numbers, rather than once per line.
 *
 * What is an error line: the subscription's filter is coarse (any line with `ERROR`, `Task timed
 * out` or `Runtime exited`); the exact test is here, where it can be unit tested:
 * - a JSON line (Powertools' logger) is one when its `level` is `ERROR` (or `CRITICAL`), whatever
 *   its message says; it is named by its `error.name` (Powertools' serialised Error), else by
 *   its message;
 * - a text line (Lambda's runtime and platform) is one when it carries `ERROR` as a word (the
 *   Node.js runtime's `ERROR\tInvoke Error \t{"errorType":...}`, named by that errorType), or is
 *   Lambda's `Task timed out` or `Runtime exited` line.
 *
 * Throttling, and why nothing is lost: a digest takes the function's slot in the throttle (a
 * conditional write, so concurrent deliveries cannot both take it); errors arriving while the slot
 * is taken (within five minutes of the last digest) are held there, counted, and reported by the
 * function's next digest ("held since the last digest"). A digest that cannot be published gives
 * its slot back, with what it had taken from the held count, and the invocation fails: Lambda
 * retries the delivery, and after its retries keeps it in the on-failure queue. A batch is
 * counted once in the digest that reports it, or stays in that queue; it is never dropped.
 */

/** One log event, as CloudWatch Logs delivers it. */
export interface LogEvent {
  id: string;
  timestamp: number;
  message: string;
}

/** How many errors, from when to when (epoch milliseconds). */
export interface ErrorCount {
  count: number;
  firstAt: number;
  lastAt: number;
}

/** A function's errors in one delivery. */
export interface ErrorGroup extends ErrorCount {
  /** The function (its name, from the log group `/aws/lambda/<name>`), or the log group itself. */
  source: string;
  logGroup: string;
  /** Errors per name, most frequent first. */
  byName: [name: string, count: number][];
  /** The first error line, shortened to `sampleLength` characters. */
  sample: string;
}

/** Where a digest records that it was sent, and where errors wait while it may not be. */
export interface DigestThrottle {
  /**
   * Takes `source`'s slot if no digest took it after `notBefore`, as of `now`; answers what was
   * held since the last digest (undefined: nothing), or `false` when the slot is taken.
   */
  claim(source: string, now: number, notBefore: number): Promise<{ held?: ErrorCount } | false>;
  /** Adds `errors` to what `source`'s next digest reports. */
  hold(source: string, errors: ErrorCount): Promise<void>;
  /** Gives back a slot whose digest was not sent, holding again what it had taken (`held`). */
  release(source: string, held: ErrorCount | undefined): Promise<void>;
}

export interface Alert {
  subject: string;
  message: string;
}

export interface AlertPublisher {
  publish(alert: Alert): Promise<void>;
}

export const digestIntervalMs = 5 * 60_000;
const sampleLength = 1000;
/**
 * An error's name is at most this long, and a digest lists this many names, then counts the rest:
 * in a storm every line may name an error of its own (a message with an id in it), and SNS refuses
 * a message over 256 KB, which would leave the storm with no digest at all.
 */
const nameLength = 80;
export const namesListed = 20;
/** SNS wants a subject of fewer than 100 characters, without control characters (ASCII is safe everywhere). */
const maxSubjectLength = 99;
const lambdaLogGroup = '/aws/lambda/';

/** The name of the error a line reports, or undefined when it reports none. */
export function errorName(message: string): string | undefined {
  const line = message.trim();
  if (line.startsWith('{')) {
    let entry: { level?: unknown; message?: unknown; error?: { name?: unknown } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      entry = {};
    }
    if (entry.level !== undefined) {
      if (entry.level !== 'ERROR' && entry.level !== 'CRITICAL') return undefined;
      if (typeof entry.error?.name === 'string' && entry.error.name) return entry.error.name;
      return typeof entry.message === 'string' && entry.message ? entry.message.slice(0, nameLength) : 'Error';
    }
  }
  if (/Task timed out after/.test(line)) return 'Task timed out';
  if (/Runtime exited/.test(line)) return 'Runtime.ExitError';
  if (!/(^|[^A-Za-z])ERROR([^A-Za-z]|$)/.test(line)) return undefined;
  return /"errorType"\s*:\s*"([^"]+)"/.exec(line)?.[1]?.slice(0, nameLength) ?? 'Error';
}

/** The function a log group belongs to (Lambda's `/aws/lambda/<function name>`), or the group itself. */
export const sourceOf = (logGroup: string) =>
  logGroup.startsWith(lambdaLogGroup) ? logGroup.slice(lambdaLogGroup.length) : logGroup;

/** The error lines of a delivery, grouped by function, then counted by error name. */
export function groupErrors(logGroup: string, events: readonly LogEvent[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup & { names: Map<string, number> }>();
  for (const event of events) {
    const name = errorName(event.message);
    if (name === undefined) continue;
    const source = sourceOf(logGroup);
    let group = groups.get(source);
    if (!group) {
      group = {
        source,
        logGroup,
        count: 0,
        firstAt: event.timestamp,
        lastAt: event.timestamp,
        byName: [],
        sample: event.message.trim().slice(0, sampleLength),
        names: new Map(),
      };
      groups.set(source, group);
    }
    group.count++;
    group.firstAt = Math.min(group.firstAt, event.timestamp);
    group.lastAt = Math.max(group.lastAt, event.timestamp);
    group.names.set(name, (group.names.get(name) ?? 0) + 1);
  }
  return [...groups.values()].map(({ names, ...group }) => ({
    ...group,
    byName: [...names].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)),
  }));
}

/** The CloudWatch console's page of a log group (its path segment escapes `%` as `$25`). */
export function logGroupUrl(region: string, logGroup: string): string {
  const segment = encodeURIComponent(encodeURIComponent(logGroup)).replace(/%/g, '$');
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${segment}`;
}

const time = (epochMs: number) => new Date(epochMs).toISOString();
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The digest of a function's errors, and of those held since its last digest. */
export function digestAlert(group: ErrorGroup, held: ErrorCount | undefined, region: string, now: number): Alert {
  const total = group.count + (held?.count ?? 0);
  const subject = `Shelf: ${plural(total, 'error')} in ${group.source}`;
  const lines = [
    `${plural(group.count, 'error')} in ${group.source}, from ${time(group.firstAt)} to ${time(group.lastAt)}:`,
    ...group.byName.slice(0, namesListed).map(([name, count]) => `  ${count} × ${name}`),
  ];
  const unlisted = group.byName.slice(namesListed);
  if (unlisted.length) {
    const count = unlisted.reduce((sum, [, n]) => sum + n, 0);
    lines.push(`  … and ${plural(count, 'more error')} of ${plural(unlisted.length, 'other name')}`);
  }
  if (held) {
    lines.push(
      '',
      `Held since the last digest (at most one per function every ${digestIntervalMs / 60_000} minutes): ` +
        `${plural(held.count, 'error')}, from ${time(held.firstAt)} to ${time(held.lastAt)}.`,
    );
  }
  lines.push(
    '',
    'First line:',
    group.sample,
    '',
    `Log group: ${logGroupUrl(region, group.logGroup)}`,
    `Errors until ${time(now + digestIntervalMs)} are held and counted in the next digest.`,
  );
  return {
    subject: subject.length > maxSubjectLength ? `${subject.slice(0, maxSubjectLength - 3)}...` : subject,
    message: lines.join('\n'),
  };
}

export interface DigestOutcome {
  source: string;
  errors: number;
  /** sent: a digest went out; held: counted for the function's next digest. */
  outcome: 'sent' | 'held';
}

export interface DigestDeps {
  throttle: DigestThrottle;
  alerts: AlertPublisher;
  region: string;
}

/** Digests the error lines of one delivery from `logGroup`. */
export async function digestErrors(
  deps: DigestDeps,
  logGroup: string,
  events: readonly LogEvent[],
  now: number,
): Promise<DigestOutcome[]> {
  const outcomes: DigestOutcome[] = [];
  for (const group of groupErrors(logGroup, events)) {
    const counted: ErrorCount = { count: group.count, firstAt: group.firstAt, lastAt: group.lastAt };
    const claim = await deps.throttle.claim(group.source, now, now - digestIntervalMs);
    if (!claim) {
      await deps.throttle.hold(group.source, counted);
      outcomes.push({ source: group.source, errors: group.count, outcome: 'held' });
      continue;
    }
    try {
      await deps.alerts.publish(digestAlert(group, claim.held, deps.region, now));
    } catch (error) {
      await deps.throttle.release(group.source, claim.held);
      throw error;
    }
    outcomes.push({ source: group.source, errors: group.count, outcome: 'sent' });
  }
  return outcomes;
}
