/** Products in PostgreSQL, the system of record (migrations/001-products-and-orders.sql). */
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { ProductRepository } from '../../catalog/catalog-ports';
import type { Product, ProductInput } from '../../catalog/product';

export interface ProductRow {
  sku: string;
  name: string;
  description: string;
  category: string;
  price_cents: number;
  currency: string;
  stock: number;
  version: string;
  updated_at: Date;
}

export const productColumns = 'sku, name, description, category, price_cents, currency, stock, version, updated_at';

export function toProduct(row: ProductRow): Product {
  return {
    sku: row.sku,
    name: row.name,
    description: row.description,
    category: row.category,
    priceCents: row.price_cents,
    currency: row.currency,
    stock: row.stock,
    version: Number(row.version),
    updatedAt: row.updated_at.toISOString(),
  };
}

export class PostgresProductRepository implements ProductRepository {
  constructor(private readonly pool: Pool) {}

  async upsert(sku: string, input: ProductInput, by: string): Promise<Product> {
    const { rows } = await this.pool.query<ProductRow>(
      // An admin's write is a source of its own, newer than every import started before it
      // (migrations/002-import-sources.sql): a late chunk of an older import cannot undo it.
      `INSERT INTO products AS p (sku, name, description, category, price_cents, currency, stock, source_id, changed_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (sku) DO UPDATE SET
         name = EXCLUDED.name, description = EXCLUDED.description, category = EXCLUDED.category,
         price_cents = EXCLUDED.price_cents, currency = EXCLUDED.currency, stock = EXCLUDED.stock,
         source_id = EXCLUDED.source_id, source_row = 0, changed_by = EXCLUDED.changed_by,
         deleted_at = NULL, version = p.version + 1, updated_at = now()
       RETURNING ${productColumns}`,
      [sku, input.name, input.description, input.category, input.priceCents, input.currency, input.stock, uuidv7(), by],
    );
    return toProduct(rows[0]!);
  }

  async remove(sku: string, by: string): Promise<{ version: number } | undefined> {
    const { rows } = await this.pool.query<{ version: string }>(
      `UPDATE products SET deleted_at = now(), version = version + 1, updated_at = now(),
         source_id = $2, source_row = 0, changed_by = $3
       WHERE sku = $1 AND deleted_at IS NULL RETURNING version`,
      [sku, uuidv7(), by],
    );
    return rows[0] ? { version: Number(rows[0].version) } : undefined;
  }
}
