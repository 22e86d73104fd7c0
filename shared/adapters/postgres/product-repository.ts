/** Products in PostgreSQL, the system of record (migrations/001-products-and-orders.sql). */
import type { Pool } from 'pg';
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

  async upsert(sku: string, input: ProductInput): Promise<Product> {
    const { rows } = await this.pool.query<ProductRow>(
      `INSERT INTO products AS p (sku, name, description, category, price_cents, currency, stock)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (sku) DO UPDATE SET
         name = EXCLUDED.name, description = EXCLUDED.description, category = EXCLUDED.category,
         price_cents = EXCLUDED.price_cents, currency = EXCLUDED.currency, stock = EXCLUDED.stock,
         deleted_at = NULL, version = p.version + 1, updated_at = now()
       RETURNING ${productColumns}`,
      [sku, input.name, input.description, input.category, input.priceCents, input.currency, input.stock],
    );
    return toProduct(rows[0]!);
  }

  async remove(sku: string): Promise<{ version: number } | undefined> {
    const { rows } = await this.pool.query<{ version: string }>(
      `UPDATE products SET deleted_at = now(), version = version + 1, updated_at = now()
       WHERE sku = $1 AND deleted_at IS NULL RETURNING version`,
      [sku],
    );
    return rows[0] ? { version: Number(rows[0].version) } : undefined;
  }

  async listAll(): Promise<Product[]> {
    const { rows } = await this.pool.query<ProductRow>(
      `SELECT ${productColumns} FROM products WHERE deleted_at IS NULL ORDER BY sku`,
    );
    return rows.map(toProduct);
  }
}
