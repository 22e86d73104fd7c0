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

/** A product taken out of the catalog, at the version that took it out. */
export interface DeletedProduct {
  sku: string;
  version: number;
  deleted: true;
}

/** What the read model should hold for one SKU: the product as it is, or that it is gone. */
export type CatalogEntry = Product | DeletedProduct;

export const isDeleted = (entry: CatalogEntry): entry is DeletedProduct => 'deleted' in entry;

export interface CatalogReadModel {
  get(sku: string): Promise<Product | undefined>;
  list(query: CatalogQuery): Promise<CatalogPage>;
  /** Writes each entry unless the model already holds a newer version of its SKU. */
  apply(entries: CatalogEntry[]): Promise<void>;
}

/**
 * The transactional outbox of the catalog (PostgreSQL: migrations/003-catalog-outbox.sql): the SKUs
 * whose read-model entry is behind the system of record, queued in the same transaction as the
 * change itself.
 */
export interface CatalogOutbox {
  /**
   * Takes up to `limit` queued SKUs (only those in `skus`, when given) that no other drain holds,
   * hands their current entries to `project`, and dequeues them once it has succeeded; if it
   * throws they stay queued. Returns how many were projected.
   */
  drain(
    project: (entries: CatalogEntry[]) => Promise<void>,
    scope: { skus?: readonly string[]; limit: number },
  ): Promise<number>;
  /** Queues every product (for a read model that starts empty); returns how many. */
  queueAll(): Promise<number>;
  /** How many SKUs are queued. */
  pending(): Promise<number>;
}

/** A cursor the adapter could not decode (tampered, or from another query). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}
