// The ETL worker: SQS import queue → PostgreSQL + catalog read model (services/imports/functions.yml,
// loadImportChunk). Powertools' batch processor validates each message against the chunk schema,
// loads the valid ones, and reports the failed ones alone (ReportBatchItemFailures): they come back
// after the visibility timeout and, after maxReceiveCount tries, go to the dead-letter queue.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import type { ParsedRecord } from '@aws-lambda-powertools/batch/types';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbCatalogReadModel } from '../../shared/adapters/dynamodb/catalog-read-model';
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { DynamoDbImportJobStore } from '../../shared/adapters/dynamodb/import-job-store';
import { PostgresCatalogImportLoader } from '../../shared/adapters/postgres/catalog-import-loader';
import { createPool } from '../../shared/adapters/postgres/pool';
import { config } from '../../shared/config';
import { importChunkSchema, type ImportChunk } from '../../shared/imports/import-chunk';
import { loadChunk } from '../../shared/imports/import-service';
import { logger, metrics, MetricUnit, observedHandler } from '../../shared/observability';

const deps = {
  loader: new PostgresCatalogImportLoader(createPool()),
  catalog: new DynamoDbCatalogReadModel(documentClient, config('catalogTable')),
  jobs: new DynamoDbImportJobStore(documentClient, config('importsTable')),
};

const processor = new BatchProcessor(EventType.SQS, { parser, innerSchema: importChunkSchema, transformer: 'json' });

async function loadRecord(record: ParsedRecord<SQSRecord, ImportChunk>): Promise<void> {
  const chunk = record.body;
  const { duplicate } = await loadChunk(deps, chunk);
  logger.debug('Chunk loaded', { importId: chunk.importId, chunk: chunk.chunk, rows: chunk.rows.length, duplicate });
  metrics.addMetric(
    duplicate ? 'ImportChunksRedelivered' : 'ImportRowsLoaded',
    MetricUnit.Count,
    duplicate ? 1 : chunk.rows.length,
  );
}

export const handler = observedHandler((event: SQSEvent, context) =>
  processPartialResponse(event, loadRecord, processor, { context }),
);
