// The ETL worker: SQS import queue → PostgreSQL + catalog read model (services/imports/functions.yml,
// loadImportChunk). recordBatch (shared/triggers/record-batch.ts) validates each message against the
// chunk schema, loads the valid ones, and reports the failed ones alone (ReportBatchItemFailures):
// they come back after the visibility timeout and, after maxReceiveCount tries, go to the
// dead-letter queue. On that last try the job is told, so it ends (PARTIALLY_LOADED) instead of
// waiting for ever.
import { catalogProjection } from '../../shared/adapters/catalog-projection';
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { DynamoDbImportJobStore } from '../../shared/adapters/dynamodb/import-job-store';
import { PostgresCatalogImportLoader } from '../../shared/adapters/postgres/catalog-import-loader';
import { createPool } from '../../shared/adapters/postgres/pool';
import { config } from '../../shared/config';
import { importChunkSchema } from '../../shared/imports/import-chunk';
import { loadChunk, recordChunkDeadLettered } from '../../shared/imports/import-service';
import { logger, metrics, MetricUnit } from '../../shared/observability';
import { recordBatch, type BatchRecord } from '../../shared/triggers/record-batch';

const pool = createPool();
const deps = {
  loader: new PostgresCatalogImportLoader(pool),
  ...catalogProjection(pool),
  jobs: new DynamoDbImportJobStore(documentClient, config('importsTable')),
};

// The queue's RedrivePolicy maxReceiveCount (serverless.yml, params.importMaxReceives).
const maxReceives = Number(config('importMaxReceives'));

async function loadRecord(record: BatchRecord<'SQS', typeof importChunkSchema>): Promise<void> {
  const chunk = record.body;
  let result: Awaited<ReturnType<typeof loadChunk>>;
  try {
    result = await loadChunk(deps, chunk);
  } catch (error) {
    if (Number(record.attributes.ApproximateReceiveCount) >= maxReceives) {
      logger.error('Chunk failed on its last try: it goes to the dead-letter queue', {
        importId: chunk.importId,
        chunk: chunk.chunk,
        error,
      });
      metrics.addMetric('ImportChunksDeadLettered', MetricUnit.Count, 1);
      await recordChunkDeadLettered(deps.jobs, chunk).catch((recordError: unknown) =>
        logger.error('Could not count the dead-lettered chunk on its job', { error: recordError }),
      );
    }
    throw error;
  }
  const { duplicate, refused } = result;
  if (refused) metrics.addMetric('ImportRowsRefused', MetricUnit.Count, refused);
  logger.debug('Chunk loaded', { importId: chunk.importId, chunk: chunk.chunk, rows: chunk.rows.length, duplicate });
  metrics.addMetric(
    duplicate ? 'ImportChunksRedelivered' : 'ImportRowsLoaded',
    MetricUnit.Count,
    duplicate ? 1 : chunk.rows.length,
  );
}

// The batch's chunks side by side: a batch holds two (batchSize in functions.yml) and the pool two
// connections, each chunk using one at a time (its load, then its projection), so neither waits
// for a connection, and the database merges both at once instead of idling while this environment
// prepares the next (bench/results.md). More chunks per batch than connections would only queue
// for them, or time out waiting (docs/imports.md, "Sizing the worker").
export const handler = recordBatch(
  { source: 'SQS', payload: importChunkSchema, transformer: 'json', processInParallel: true },
  loadRecord,
);
