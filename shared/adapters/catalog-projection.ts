/**
 * What every writer of products needs to project its changes (shared/catalog/catalog-projection.ts):
 * the outbox beside its PostgreSQL pool, and the catalog table.
 */
import type { Pool } from 'pg';
import type { ProjectionDeps } from '../catalog/catalog-projection';
import { config } from '../config';
import { DynamoDbCatalogReadModel } from './dynamodb/catalog-read-model';
import { documentClient } from './dynamodb/client';
import { PostgresCatalogOutbox } from './postgres/catalog-outbox';

export function catalogProjection(pool: Pool): ProjectionDeps {
  return {
    outbox: new PostgresCatalogOutbox(pool),
    catalog: new DynamoDbCatalogReadModel(documentClient, config('catalogTable')),
  };
}
