/**
 * The catalog outbox in PostgreSQL (migrations/003-catalog-outbox.sql). A drain is one
 * transaction: lock queued SKUs (skipping those another drain holds), read their products, let
 * the caller project them, delete them from the outbox, commit. A writer that changes one of
 * those products meanwhile waits on its outbox row until this commit and then queues it again,
 * so what is projected is never newer than what stays queued (shared/catalog/catalog-projection.ts).
 */
import type { Pool } from 'pg';
import type { CatalogEntry, CatalogOutbox } from '../../catalog/catalog-ports';
import { productColumns, toProduct, type ProductRow } from './product-repository';

/** A product row as the read model's entry: the product or its tombstone, with who changed it last. */
function toCatalogEntry(row: ProductRow & { deleted_at: Date | null; changed_by: string | null }): CatalogEntry {
  const by = row.changed_by === null ? {} : { changedBy: row.changed_by };
  return row.deleted_at
    ? { sku: row.sku, version: Number(row.version), deleted: true, deletedAt: row.deleted_at.toISOString(), ...by }
    : { ...toProduct(row), ...by };
}

export class PostgresCatalogOutbox implements CatalogOutbox {
  constructor(private readonly pool: Pool) {}

  async drain(
    project: (entries: CatalogEntry[]) => Promise<void>,
    { skus, limit }: { skus?: readonly string[]; limit: number },
  ): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows: queued } = await client.query<{ sku: string }>(
        `SELECT sku FROM catalog_outbox WHERE ($1::text[] IS NULL OR sku = ANY($1::text[]))
         LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [skus ?? null, limit],
      );
      if (queued.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const taken = queued.map((q) => q.sku);
      const { rows } = await client.query<ProductRow & { deleted_at: Date | null; changed_by: string | null }>(
        `SELECT ${productColumns}, deleted_at, changed_by FROM products WHERE sku = ANY($1::text[])`,
        [taken],
      );
      const entries: CatalogEntry[] = rows.map((row) => toCatalogEntry(row));
      await project(entries);
      await client.query('DELETE FROM catalog_outbox WHERE sku = ANY($1::text[])', [taken]);
      await client.query('COMMIT');
      return taken.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async queueAll(): Promise<number> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO catalog_outbox (sku) SELECT sku FROM products
       ON CONFLICT (sku) DO UPDATE SET queued_at = EXCLUDED.queued_at`,
    );
    return rowCount ?? 0;
  }

  async pending(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM catalog_outbox');
    return Number(rows[0]!.n);
  }
}
