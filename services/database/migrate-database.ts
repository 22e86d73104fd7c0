// The DatabaseMigrations custom resource (infra/resources/migrations.yml, services/database/functions.yml):
// during `serverless deploy`, CloudFormation asks this function to run the SQL migrations with the
// same migrator `npm start` runs (shared/adapters/postgres/migrator.ts), and waits for its answer.
// Create and Update migrate; Delete leaves the database alone. docs/deploy.md, "Migrations at deploy".
import type { Pool } from 'pg';
import { migrate } from '../../shared/adapters/postgres/migrator';
import { createPool } from '../../shared/adapters/postgres/pool';
import { logger, metrics, MetricUnit } from '../../shared/observability';
import { customResourceHandler, type CustomResourceOutcome } from '../../shared/triggers/custom-resource';

/** Data.applied beyond this length becomes a count and a range (the whole answer must fit 4 KB). */
export const maxAppliedLength = 1024;

/** "a.sql,b.sql", or "none" when the schema was up to date. */
export function appliedList(applied: string[]): string {
  if (applied.length === 0) return 'none';
  const list = applied.join(',');
  return list.length <= maxAppliedLength ? list : `${applied.length} migrations, ${applied[0]} to ${applied.at(-1)}`;
}

// Created on the first request that migrates (not when the module loads), so that a bad setting
// is answered FAILED like any other error instead of failing the function before it can answer.
let pool: Pool | undefined;

async function runMigrations(): Promise<CustomResourceOutcome> {
  pool ??= createPool();
  const applied = await migrate(pool);
  logger.info('Migrations done', { applied });
  metrics.addMetric('MigrationsApplied', MetricUnit.Count, applied.length);
  return {
    reason: applied.length ? `Applied ${applied.join(', ')}` : 'The schema was up to date',
    data: { applied: appliedList(applied) },
  };
}

export const handler = customResourceHandler({
  create: runMigrations,
  update: runMigrations,
  // Deleting the stack (or rolling back a failed Create) does nothing to the database: whether it
  // is kept, snapshotted or deleted is the Database resource's own DeletionPolicy.
  delete: () => Promise.resolve({ reason: 'Nothing to do: the database is left to its DeletionPolicy' }),
});
