// Daily at 03:00 UTC (EventBridge schedule, services/backups/functions.yml snapshotDatabase): a
// snapshot of the stack's database, copied to the disaster-recovery region, the old ones deleted
// (shared/backups/database-snapshots.ts, docs/disaster-recovery.md). The day is the clock's, not
// the event's: a snapshot is named for the day it is taken, even by an event replayed days later.
import { rdsIn } from '../../shared/adapters/rds/client';
import { RdsSnapshotStore } from '../../shared/adapters/rds/snapshot-store';
import { runSnapshots, SnapshotActionsFailedError } from '../../shared/backups/database-snapshots';
import { config, ConfigError, optionalConfig } from '../../shared/config';
import { logger, metrics, MetricUnit } from '../../shared/observability';
import { scheduled } from '../../shared/triggers/schedule';

const retentionDays = Number(config('snapshotRetentionDays'));
if (!Number.isInteger(retentionDays) || retentionDays < 1) {
  throw new ConfigError(`SNAPSHOT_RETENTION_DAYS must be a whole number of days, at least 1 (got ${retentionDays})`);
}
const drRegion = optionalConfig('drRegion');
const policy = { stackName: config('stackName'), retentionDays, copyToDr: drRegion !== undefined };
// The local stack has no RDS instance (DB_INSTANCE_ARN is empty there: serverless.yml,
// custom.databaseSnapshots), yet its schedule fires as in AWS: the function says there is nothing
// to snapshot rather than failing every day into the error digest.
const instanceArn = optionalConfig('dbInstanceArn');
const store =
  instanceArn === undefined
    ? undefined
    : new RdsSnapshotStore(rdsIn, { instanceArn, drRegion, drKmsKeyId: config('drKmsKeyId') });

export const noRdsMessage = 'No RDS instance on this stage (the local stack has none): nothing to snapshot';

export const handler = scheduled(async () => {
  if (!store) {
    logger.info(noRdsMessage);
    return { snapshots: 'none' as const, reason: noRdsMessage };
  }
  const run = await runSnapshots(store, policy, new Date());
  metrics.addMetric('DatabaseSnapshotActions', MetricUnit.Count, run.actions.length);
  metrics.addMetric('DatabaseSnapshotActionsFailed', MetricUnit.Count, run.failed.length);
  logger.info('Database snapshots requested', { actions: run.actions, drRegion: drRegion ?? 'none' });
  // Retried by Lambda (functions.yml), a failed run plans again from what exists and redoes only what is missing.
  if (run.failed.length > 0) throw new SnapshotActionsFailedError(run.failed);
  return { snapshots: 'requested' as const, actions: run.actions };
});
