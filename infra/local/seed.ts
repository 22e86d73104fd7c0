/**
 * Demo data for the local stack: a small catalog loaded into PostgreSQL once (existing rows are
 * left as they are, so restarts keep your edits and orders), then the catalog read model is
 * rebuilt from PostgreSQL, the system of record.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Pool } from 'pg';
import { DynamoDbCatalogReadModel } from '../../shared/adapters/dynamodb/catalog-read-model';
import { PostgresProductRepository } from '../../shared/adapters/postgres/product-repository';
import { rebuildCatalog } from '../../shared/catalog/catalog-service';
import { productInputSchema, skuSchema } from '../../shared/catalog/product';
import demoCatalog from './seed/demo-catalog.json';

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

export async function projectCatalog(
  pool: Pool,
  dynamodb: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } },
  tableName: string,
): Promise<number> {
  const client = new DynamoDBClient(dynamodb);
  try {
    const catalog = new DynamoDbCatalogReadModel(DynamoDBDocumentClient.from(client), tableName);
    return await rebuildCatalog({ products: new PostgresProductRepository(pool), catalog });
  } finally {
    client.destroy();
  }
}
