/**
 * Ports of the catalog. PostgreSQL is the system of record (ProductRepository); DynamoDB holds
 * the read model the public storefront reads (CatalogReadModel). Adapters live in shared/adapters.
 */
import type { Product, ProductInput } from './product';

export interface ProductRepository {
  /** Creates or replaces the product and its stock level; revives a deleted SKU. */
  upsert(sku: string, input: ProductInput): Promise<Product>;
  /** Marks the product deleted; returns the new version, or undefined if there was none. */
  remove(sku: string): Promise<{ version: number } | undefined>;
  /** Every live product, for rebuilding the read model. */
  listAll(): Promise<Product[]>;
}

export interface CatalogQuery {
  category?: string;
  /** Case-insensitive substring of name, description or category. */
  text?: string;
  limit: number;
  cursor?: string;
}

export interface CatalogPage {
  items: Product[];
  nextCursor: string | null;
}

export interface StockLevel {
  sku: string;
  stock: number;
  version: number;
}

export interface CatalogReadModel {
  get(sku: string): Promise<Product | undefined>;
  list(query: CatalogQuery): Promise<CatalogPage>;
  /** Writes the product unless the model already holds a newer version. */
  put(product: Product): Promise<void>;
  /** Records the deletion unless the model already holds a newer version. */
  remove(sku: string, version: number): Promise<void>;
  /** Updates stock after an order unless the model already holds a newer version. */
  putStock(levels: StockLevel[]): Promise<void>;
}

/** A cursor the adapter could not decode (tampered, or from another query). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}
