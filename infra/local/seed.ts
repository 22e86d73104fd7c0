/**
 * Data for the local stack at start. Every store keeps its data across restarts (PostgreSQL,
 * DynamoDB Local and s3rver on disk under .local/) except the SQS emulator, which holds messages
 * in memory only; so:
 * - the demo catalog is loaded into PostgreSQL once (existing rows are left as they are, so
 *   restarts keep your edits and orders);
 * - the catalog read model catches up through the catalog outbox like a deployed stack does
 *   (shared/catalog/catalog-projection.ts): only what PostgreSQL changed and DynamoDB has not seen
 *   yet is projected, so a restart is quick whatever the catalog's size; an empty read model
 *   (first start, or .local/dynamodb removed) gets every product;
 * - imports the last run left unfinished are ended as FAILED: their queued chunks (or S3 events)
 *   were in the emulator's memory. Rows they had loaded stay loaded; uploading the file again
 *   completes the catalog (newer rows win, so nothing is applied twice).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Pool } from 'pg';
import { DynamoDbCatalogReadModel } from '../../shared/adapters/dynamodb/catalog-read-model';
import { DynamoDbImportJobStore } from '../../shared/adapters/dynamodb/import-job-store';
import { PostgresCatalogOutbox } from '../../shared/adapters/postgres/catalog-outbox';
import { projectQueued } from '../../shared/catalog/catalog-projection';
import { productInputSchema, skuSchema } from '../../shared/catalog/product';
import demoCatalog from './seed/demo-catalog.json';

export interface LocalDynamoDb {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export async function seedDemoCatalog(pool: Pool): Promise<number> {
  let inserted = 0;
  for (const { sku: rawSku, ...fields } of demoCatalog) {
    const sku = skuSchema.parse(rawSku);
    const p = productInputSchema.parse(fields);
    const { rowCount } = await pool.query(
      `INSERT INTO products (sku, name, description, category, price_cents, currency, stock)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sku) DO NOTHING`,
      [sku, p.name, p.description, p.category, p.priceCents, p.currency, p.stock],
    );
    inserted += rowCount ?? 0;
  }
  return inserted;
}

async function withDocumentClient<T>(dynamodb: LocalDynamoDb, work: (client: DynamoDBDocumentClient) => Promise<T>) {
  const client = new DynamoDBClient(dynamodb);
  try {
    return await work(DynamoDBDocumentClient.from(client));
  } finally {
    client.destroy();
  }
}

/**
 * Brings the catalog read model up to date with PostgreSQL through the outbox; `onProgress` hears
 * how many are done every few seconds. Returns how many products were projected.
 */
export function projectCatalog(
  pool: Pool,
  dynamodb: LocalDynamoDb,
  tableName: string,
  onProgress: (projected: number, queued: number) => void = () => undefined,
): Promise<number> {
  return withDocumentClient(dynamodb, async (client) => {
    const outbox = new PostgresCatalogOutbox(pool);
    const { Items = [] } = await client.send(new ScanCommand({ TableName: tableName, Limit: 1 }));
    if (Items.length === 0) await outbox.queueAll();
    const queued = await outbox.pending();
    let reported = Date.now();
    return projectQueued(
      { outbox, catalog: new DynamoDbCatalogReadModel(client, tableName) },
      {
        onProgress: (projected) => {
          if (Date.now() - reported < 2000) return;
          reported = Date.now();
          onProgress(projected, queued);
        },
      },
    );
  });
}

/** Ends the imports a previous run left unfinished (see above); returns their ids. */
export function endInterruptedImports(dynamodb: LocalDynamoDb, tableName: string): Promise<string[]> {
  return withDocumentClient(dynamodb, async (client) => {
    const jobs = new DynamoDbImportJobStore(client, tableName);
    const ended: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: tableName,
          ProjectionExpression: 'importId',
          FilterExpression: '#status IN (:pending, :loading, :partial)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'PENDING', ':loading': 'LOADING', ':partial': 'PARTIALLY_LOADED' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const { importId } of page.Items ?? []) {
        await jobs.fail(
          importId as string,
          'npm start restarted while this import was under way: the local SQS emulator keeps queued chunks ' +
            'and events in memory only, so they are gone. Rows already loaded stay; create a new import ' +
            'with the same file to load the rest.',
        );
        ended.push(importId as string);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return ended;
  });
}
