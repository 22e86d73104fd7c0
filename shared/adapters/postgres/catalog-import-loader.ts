/**
 * Loads import chunks into PostgreSQL (migrations/002-import-sources.sql). One transaction per
 * chunk: record the chunk (a redelivery is recognised and changes nothing), merge all its rows in
 * one statement, and add its rows to the import's progress. Rows travel as arrays, one parameter
 * per column, unnested server-side: one round trip, no per-row SQL, no string building.
 *
 * The merge applies a row only when it is newer than the stored one, (source_id, source_row) being
 * the import's time-ordered id and the row number: the file's last row for a SKU wins, whatever
 * order chunks arrive in, and an older import never overwrites a newer one or a later admin edit.
 */
import type { Pool, PoolClient } from 'pg';
import type { Product } from '../../catalog/product';
import type { ImportChunk } from '../../imports/import-chunk';
import type { CatalogLoader, ChunkLoadResult } from '../../imports/import-ports';
import { productColumns, toProduct, type ProductRow } from './product-repository';

// Only what the chunk does not already say comes back (returning whole rows costs a third of the
// load rate; bench/results.md). Not even updated_at: every row this statement writes gets now(),
// the transaction's start, which recording the chunk returns once (a Date parsed per row was a
// quarter of the worker's own CPU).
const mergeSql = `
  INSERT INTO products AS p
    (sku, name, description, category, price_cents, currency, stock, source_id, source_row)
  SELECT sku, name, description, category, price_cents, currency, stock, $1::uuid, source_row
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::int[], $9::int[])
    AS r(sku, name, description, category, price_cents, currency, stock, source_row)
  ON CONFLICT (sku) DO UPDATE SET
    name = EXCLUDED.name, description = EXCLUDED.description, category = EXCLUDED.category,
    price_cents = EXCLUDED.price_cents, currency = EXCLUDED.currency, stock = EXCLUDED.stock,
    source_id = EXCLUDED.source_id, source_row = EXCLUDED.source_row,
    deleted_at = NULL, version = p.version + 1, updated_at = now()
  WHERE (p.source_id, p.source_row) < (EXCLUDED.source_id, EXCLUDED.source_row)
  RETURNING sku, version`;

export class PostgresCatalogImportLoader implements CatalogLoader {
  constructor(private readonly pool: Pool) {}

  async load(chunk: ImportChunk): Promise<ChunkLoadResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows: recorded } = await client.query<{ now: Date }>(
        `INSERT INTO import_chunks (import_id, chunk_no, row_count) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING
         RETURNING now() AS now`,
        [chunk.importId, chunk.chunk, chunk.rows.length],
      );
      const duplicate = recorded.length === 0;
      const products = duplicate
        ? await this.current(client, chunk)
        : await this.merge(client, chunk, recorded[0]!.now.toISOString());
      // Last, so the progress row (shared by the import's chunks) stays locked only briefly.
      const { rows } = duplicate
        ? await client.query<{ rows_loaded: number }>('SELECT rows_loaded FROM import_progress WHERE import_id = $1', [
            chunk.importId,
          ])
        : await client.query<{ rows_loaded: number }>(
            `INSERT INTO import_progress AS ip (import_id, rows_loaded) VALUES ($1, $2)
             ON CONFLICT (import_id) DO UPDATE SET rows_loaded = ip.rows_loaded + EXCLUDED.rows_loaded
             RETURNING rows_loaded`,
            [chunk.importId, chunk.rows.length],
          );
      await client.query('COMMIT');
      return { products, rowsLoaded: rows[0]?.rows_loaded ?? 0, duplicate };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Merges the chunk's rows; the products it changed, all updated at `updatedAt` (now()). */
  private async merge(client: PoolClient, { importId, rows: all }: ImportChunk, updatedAt: string): Promise<Product[]> {
    // A chunk may hold a SKU more than once: only its last row goes in (ON CONFLICT cannot touch
    // one row twice in a statement).
    const lastRow = new Map(all.map((r) => [r.sku, r]));
    const rows = [...lastRow.values()];
    const { rows: merged } = await client.query<{ sku: string; version: string }>(mergeSql, [
      importId,
      rows.map((r) => r.sku),
      rows.map((r) => r.name),
      rows.map((r) => r.description),
      rows.map((r) => r.category),
      rows.map((r) => r.priceCents),
      rows.map((r) => r.currency),
      rows.map((r) => r.stock),
      rows.map((r) => r.row),
    ]);
    return merged.map(({ sku, version }) => {
      const { row: _row, ...fields } = lastRow.get(sku)!;
      return { ...fields, version: Number(version), updatedAt };
    });
  }

  /**
   * A redelivered chunk: its rows are in already, but the read-model writes that followed may not
   * have happened (the last attempt may have stopped in between), so the products are re-projected.
   */
  private async current(client: PoolClient, { rows }: ImportChunk): Promise<Product[]> {
    const { rows: current } = await client.query<ProductRow>(
      `SELECT ${productColumns} FROM products WHERE sku = ANY($1::text[]) AND deleted_at IS NULL`,
      [[...new Set(rows.map((r) => r.sku))]],
    );
    return current.map(toProduct);
  }
}
