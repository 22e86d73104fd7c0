/**
 * Daily database snapshots for disaster recovery (docs/disaster-recovery.md): what one run of the
 * schedule does, decided from what exists, so that a run never waits for RDS and a repeated or
 * missed run puts things right:
 *
 * - today's manual snapshot of the stack's instance, `<stack>-daily-<yyyy-mm-dd>`, is created
 *   unless it exists (a retried run creates nothing twice);
 * - every daily snapshot that is `available` in the stack's region and missing from the
 *   disaster-recovery region, if the stack has one, is copied there. A snapshot takes minutes to
 *   become available, so today's is copied by tomorrow's run: the copy is at most a day behind,
 *   and no run polls RDS;
 * - daily snapshots older than the retention are deleted in both regions, except the newest
 *   available one of each region: if the snapshots ever stop being made, the last good one stays.
 *
 * Only snapshots named like the stack's own daily ones are ever touched: RDS's automated
 * snapshots, the final snapshot of a deleted instance and anyone's manual ones are left alone.
 */

export interface DbSnapshot {
  id: string;
  /** RDS's status: `creating`, `available`, `copying`, ... */
  status: string;
}

export interface SnapshotPolicy {
  stackName: string;
  /** Days a daily snapshot is kept (in both regions). */
  retentionDays: number;
  /** Whether snapshots are copied to a disaster-recovery region (a sandbox may do without one). */
  copyToDr: boolean;
}

export type SnapshotAction =
  | { kind: 'create'; snapshotId: string }
  | { kind: 'copy'; snapshotId: string }
  | { kind: 'delete'; where: 'primary' | 'dr'; snapshotId: string };

const dayMs = 24 * 3600_000;

const prefix = (stackName: string) => `${stackName}-daily-`;

/** Today's snapshot's identifier (RDS: letters, digits and hyphens, starting with a letter). */
export const dailySnapshotId = (stackName: string, now: Date) =>
  `${prefix(stackName)}${now.toISOString().slice(0, 10)}`;

/** The day a daily snapshot of this stack was taken, or undefined for any other snapshot. */
export function snapshotDay(stackName: string, snapshotId: string): number | undefined {
  if (!snapshotId.startsWith(prefix(stackName))) return undefined;
  const day = snapshotId.slice(prefix(stackName).length);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const time = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(time) ? undefined : time;
}

/** What one run does, given the snapshots in the stack's region and in the disaster-recovery region. */
export function planSnapshots(
  policy: SnapshotPolicy,
  now: Date,
  primary: readonly DbSnapshot[],
  dr: readonly DbSnapshot[],
): SnapshotAction[] {
  if (!Number.isInteger(policy.retentionDays) || policy.retentionDays < 1) {
    throw new RangeError(`retentionDays must be a whole number of days, at least 1 (got ${policy.retentionDays})`);
  }
  const own = (snapshots: readonly DbSnapshot[]) =>
    snapshots
      .map((snapshot) => ({ ...snapshot, day: snapshotDay(policy.stackName, snapshot.id) }))
      .filter((snapshot): snapshot is DbSnapshot & { day: number } => snapshot.day !== undefined)
      .sort((a, b) => b.day - a.day);
  const ownPrimary = own(primary);
  const ownDr = own(dr);
  const today = dailySnapshotId(policy.stackName, now);
  const oldestKept = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`) - policy.retentionDays * dayMs;
  const expired = (snapshot: { day: number }) => snapshot.day < oldestKept;

  const actions: SnapshotAction[] = [];
  if (!ownPrimary.some((s) => s.id === today)) actions.push({ kind: 'create', snapshotId: today });
  const copied = new Set(ownDr.map((s) => s.id));
  for (const snapshot of policy.copyToDr ? ownPrimary : []) {
    if (snapshot.status === 'available' && !expired(snapshot) && !copied.has(snapshot.id)) {
      actions.push({ kind: 'copy', snapshotId: snapshot.id });
    }
  }
  for (const [where, snapshots] of [
    ['primary', ownPrimary],
    ['dr', ownDr],
  ] as const) {
    const newestAvailable = snapshots.find((s) => s.status === 'available');
    for (const snapshot of snapshots) {
      // Only an available snapshot can be deleted; one still being made is left to the next run.
      if (expired(snapshot) && snapshot !== newestAvailable && snapshot.status === 'available') {
        actions.push({ kind: 'delete', where, snapshotId: snapshot.id });
      }
    }
  }
  return actions;
}

/** RDS, as the snapshot run needs it: the stack's region and the disaster-recovery region. */
export interface SnapshotService {
  list(where: 'primary' | 'dr'): Promise<DbSnapshot[]>;
  create(snapshotId: string): Promise<void>;
  /** Starts a copy of a primary snapshot to the disaster-recovery region, under the same id. */
  copy(snapshotId: string): Promise<void>;
  delete(where: 'primary' | 'dr', snapshotId: string): Promise<void>;
}

export interface SnapshotRun {
  actions: SnapshotAction[];
  /** The actions that failed, with why; the others were done. */
  failed: { action: SnapshotAction; reason: string }[];
}

/**
 * One run: lists both regions (the stack's alone without a disaster-recovery region), then does
 * every action of the plan. One failing action does not stop the others (a failed copy must not
 * keep old snapshots from being deleted, nor today's from being made); the run reports what failed,
 * and the caller fails the invocation if anything did.
 */
export async function runSnapshots(service: SnapshotService, policy: SnapshotPolicy, now: Date): Promise<SnapshotRun> {
  const [primary, dr] = await Promise.all([service.list('primary'), policy.copyToDr ? service.list('dr') : []]);
  const actions = planSnapshots(policy, now, primary, dr);
  const failed: SnapshotRun['failed'] = [];
  for (const action of actions) {
    try {
      if (action.kind === 'create') await service.create(action.snapshotId);
      else if (action.kind === 'copy') await service.copy(action.snapshotId);
      else await service.delete(action.where, action.snapshotId);
    } catch (error) {
      failed.push({ action, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  }
  return { actions, failed };
}

const describeAction = (action: SnapshotAction) =>
  action.kind === 'delete' ? `delete ${action.snapshotId} (${action.where})` : `${action.kind} ${action.snapshotId}`;

/** A run some of whose actions failed: the invocation fails with it, so that it is retried. */
export class SnapshotActionsFailedError extends Error {
  override readonly name = 'SnapshotActionsFailedError';

  constructor(readonly failed: SnapshotRun['failed']) {
    super(
      `${failed.length} snapshot action(s) failed: ${failed
        .map((f) => `${describeAction(f.action)}: ${f.reason}`)
        .join('; ')}`,
    );
  }
}
