// Every minute (EventBridge schedule, services/catalog/functions.yml projectCatalog): project the
// products still queued in the catalog outbox into the read model, so DynamoDB converges on
// PostgreSQL even when a writer's own projection failed (shared/catalog/catalog-projection.ts).
import { catalogProjection } from '../../shared/adapters/catalog-projection';
import { createPool } from '../../shared/adapters/postgres/pool';
import { projectQueued } from '../../shared/catalog/catalog-projection';
import { logger, metrics, MetricUnit } from '../../shared/observability';
import { scheduled } from '../../shared/triggers/schedule';

const deps = catalogProjection(createPool());

/** Stop taking new batches this long before the timeout, so the one under way can finish. */
const reserveMs = 10_000;

export const handler = scheduled(async (_event, context) => {
  const projected = await projectQueued(deps, { shouldStop: () => context.getRemainingTimeInMillis() < reserveMs });
  if (projected) logger.info('Catalog outbox drained', { projected });
  metrics.addMetric('CatalogProjectedLate', MetricUnit.Count, projected);
  return { projected };
});
