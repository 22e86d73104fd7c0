/**
 * Keeping the catalog read model (DynamoDB) in step with the system of record (PostgreSQL).
 * Every change to a product is queued in the catalog outbox in its own transaction; projecting
 * takes queued SKUs, writes what PostgreSQL holds for them now, and dequeues them. Two ways run:
 * - right after a commit, the writer projects the SKUs it changed (the admin sees the edit, the
 *   shopper the stock, at once); if DynamoDB fails then, the write still stands and the SKUs stay
 *   queued;
 * - the scheduled projectCatalog function (services/catalog/project-catalog.ts) drains whatever is
 *   still queued, every minute, so the read model converges on its own.
 */
import { logger, metrics, MetricUnit } from '../observability';
import type { CatalogOutbox, CatalogReadModel } from './catalog-ports';

export interface ProjectionDeps {
  outbox: CatalogOutbox;
  catalog: CatalogReadModel;
}

/** How many queued SKUs one drain takes (one PostgreSQL transaction, DynamoDB writes of 100). */
export const drainBatchSize = 1000;

/** Projects the given SKUs if they are queued and no other drain holds them; returns how many. */
export async function projectSkus(deps: ProjectionDeps, skus: readonly string[]): Promise<number> {
  let projected = 0;
  for (let i = 0; i < skus.length; i += drainBatchSize) {
    const some = skus.slice(i, i + drainBatchSize);
    projected += await deps.outbox.drain((entries) => deps.catalog.apply(entries), { skus: some, limit: some.length });
  }
  return projected;
}

/**
 * After a commit: projects what the writer changed, and never fails the writer for it (the change
 * is committed; the SKUs stay queued for projectCatalog). True when projected now.
 */
export async function projectAfterCommit(deps: ProjectionDeps, skus: readonly string[]): Promise<boolean> {
  try {
    await projectSkus(deps, [...new Set(skus)]);
    return true;
  } catch (error) {
    logger.warn('Catalog projection deferred to projectCatalog; the read model lags until then', {
      skus: skus.length > 20 ? `${skus.length} SKUs` : skus,
      error,
    });
    metrics.addMetric('CatalogProjectionDeferred', MetricUnit.Count, 1);
    return false;
  }
}

/**
 * Drains the whole outbox, a batch at a time, until it is empty or `shouldStop` says so (the
 * function's remaining time). Returns how many SKUs were projected; a failure propagates.
 */
export async function projectQueued(
  deps: ProjectionDeps,
  {
    shouldStop = () => false,
    onProgress,
  }: { shouldStop?: () => boolean; onProgress?: (projected: number) => void } = {},
): Promise<number> {
  let projected = 0;
  while (!shouldStop()) {
    const drained = await deps.outbox.drain((entries) => deps.catalog.apply(entries), { limit: drainBatchSize });
    if (drained === 0) break;
    projected += drained;
    onProgress?.(projected);
  }
  return projected;
}
