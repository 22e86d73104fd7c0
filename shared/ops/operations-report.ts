/**
 * The operators' view of the shop (GET /ops/health and GET /ops/queues, services/ops/): is the
 * database reachable and its schema migrated, how deep is every queue of the stack, how many
 * messages wait in dead-letter queues, how old is each queue's oldest message, and how many
 * workflows failed in the last hour. Every check runs at once, each within its own deadline, and
 * a check that fails is reported as failed, with why, never as an empty figure.
 *
 * Healthy means the shop can do its work: the database answers and its schema is the one this code
 * expects, and the queues can be read. Messages in dead-letter queues and failed workflows are
 * work that failed and waits for an operator: they are warnings, not an outage.
 */
import type {
  OperationsPorts,
  OldestMessageAges,
  QueueCounts,
  SchemaStatus,
  WorkflowFailures,
} from './operations-ports';

/** Each check's deadline: the function's timeout (services/ops/functions.yml) leaves room for all. */
export const checkDeadlineMs = 4000;

/** Runs `work` with a signal that aborts at the deadline, and rejects then if it has not settled. */
export async function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, ms = checkDeadlineMs): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`no answer within ${ms} ms`);
      // Rejected before the abort: the report says the deadline passed, not how the work gave up.
      reject(error);
      controller.abort(error);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

const reasonOf = (error: unknown) =>
  error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);

export interface QueueDepth {
  name: string;
  /** Another queue's RedrivePolicy moves its failed messages here. */
  deadLetter: boolean;
  visible: number;
  inFlight: number;
  delayed: number;
  /** CloudWatch's ApproximateAgeOfOldestMessage; null when there is no figure (see oldestMessageAge). */
  oldestMessageAgeSeconds: number | null;
}

export type QueueReport =
  | {
      readable: true;
      queues: QueueDepth[];
      /** Messages waiting in dead-letter queues, all together. */
      deadLetterMessages: number;
      /** Where the ages come from, or why there are none. */
      oldestMessageAge: { source: string } | { unavailable: string };
    }
  | { readable: false; error: string };

export type DatabaseReport =
  | {
      reachable: true;
      migrated: boolean;
      appliedMigrations: number;
      pending: string[];
      changed: string[];
      unknown: string[];
    }
  | { reachable: false; migrated: false; error: string };

export interface HealthReport {
  healthy: boolean;
  checkedAt: string;
  /** Why it is not healthy. */
  problems: string[];
  /** What an operator should look at although the shop works. */
  warnings: string[];
  database: DatabaseReport;
  queues: QueueReport;
  workflows: WorkflowFailures | { declared: 'unknown'; failedInLastHour: null; error: string };
}

function depths(counts: QueueCounts[], ages: OldestMessageAges): QueueDepth[] {
  const deadLetterArns = new Set(counts.flatMap((q) => (q.deadLetterTargetArn ? [q.deadLetterTargetArn] : [])));
  return counts
    .map((q) => ({
      name: q.name,
      deadLetter: deadLetterArns.has(q.arn),
      visible: q.visible,
      inFlight: q.inFlight,
      delayed: q.delayed,
      oldestMessageAgeSeconds: ages.available ? (ages.seconds.get(q.name) ?? null) : null,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function queueReport(
  ports: Pick<OperationsPorts, 'queues' | 'ages'>,
  now: Date = new Date(),
): Promise<QueueReport> {
  let counts: QueueCounts[];
  try {
    counts = await withDeadline((signal) => ports.queues.queues(signal));
  } catch (error) {
    return { readable: false, error: reasonOf(error) };
  }
  // Without the ages the depths still stand: an age that cannot be read is said so, queue by queue.
  const ages: OldestMessageAges = await withDeadline((signal) =>
    ports.ages.oldestMessageAges(
      counts.map((q) => q.name),
      now,
      signal,
    ),
  ).catch((error: unknown) => ({ available: false, reason: reasonOf(error) }));
  const queues = depths(counts, ages);
  return {
    readable: true,
    queues,
    deadLetterMessages: queues.filter((q) => q.deadLetter).reduce((sum, q) => sum + q.visible + q.inFlight, 0),
    oldestMessageAge: ages.available ? { source: ages.source } : { unavailable: ages.reason },
  };
}

async function databaseReport(ports: Pick<OperationsPorts, 'schema'>): Promise<DatabaseReport> {
  let status: SchemaStatus;
  try {
    status = await withDeadline((signal) => ports.schema.schemaStatus(signal));
  } catch (error) {
    return { reachable: false, migrated: false, error: reasonOf(error) };
  }
  const { applied, pending, changed, unknown } = status;
  return {
    reachable: true,
    migrated: pending.length === 0 && changed.length === 0,
    appliedMigrations: applied,
    pending,
    changed,
    unknown,
  };
}

export async function healthReport(ports: OperationsPorts, now: Date = new Date()): Promise<HealthReport> {
  const hourAgo = new Date(now.getTime() - 3600_000);
  const [database, queues, workflows] = await Promise.all([
    databaseReport(ports),
    queueReport(ports, now),
    withDeadline((signal) => ports.workflows.failuresSince(hourAgo, signal)).catch((error: unknown) => ({
      declared: 'unknown' as const,
      failedInLastHour: null,
      error: reasonOf(error),
    })),
  ]);
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!database.reachable) problems.push(`database unreachable: ${database.error}`);
  else {
    if (database.pending.length) problems.push(`migrations not applied: ${database.pending.join(', ')}`);
    if (database.changed.length)
      problems.push(`migrations changed after they were applied: ${database.changed.join(', ')}`);
    if (database.unknown.length)
      warnings.push(`the database has migrations this code does not ship: ${database.unknown.join(', ')}`);
  }
  if (!queues.readable) problems.push(`queues unreadable: ${queues.error}`);
  else {
    for (const queue of queues.queues.filter((q) => q.deadLetter && q.visible + q.inFlight > 0)) {
      warnings.push(`${queue.visible + queue.inFlight} message(s) in the dead-letter queue ${queue.name}`);
    }
    if ('unavailable' in queues.oldestMessageAge)
      warnings.push(`oldest message ages unavailable: ${queues.oldestMessageAge.unavailable}`);
  }
  if (workflows.declared === 'unknown') warnings.push(`workflow failures unreadable: ${workflows.error}`);
  else if (workflows.declared && workflows.failedInLastHour === null)
    warnings.push(`workflow failures unavailable: ${workflows.reason}`);
  else if (workflows.declared && workflows.failedInLastHour > 0)
    warnings.push(`${workflows.failedInLastHour} workflow execution(s) failed in the last hour`);
  return {
    healthy: problems.length === 0,
    checkedAt: now.toISOString(),
    problems,
    warnings,
    database,
    queues,
    workflows,
  };
}
