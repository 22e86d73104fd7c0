/**
 * Ports of the catalog. PostgreSQL is the system of record (ProductRepository); DynamoDB holds
 * the read model the public storefront reads (CatalogReadModel). Adapters live in shared/adapters.
 */
import type { CatalogHistoryEntry } from './catalog-history';
import type { Product, ProductInput } from './product';

/** `by` is who makes the change (shared/catalog/changed-by.ts), recorded with it. */
export interface ProductRepository {
  /** Creates or replaces the product and its stock level; revives a deleted SKU. */
  upsert(sku: string, input: ProductInput, by: string): Promise<Product>;
  /** Marks the product deleted; returns the new version, or undefined if there was none. */
  remove(sku: string, by: string): Promise<{ version: number } | undefined>;
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

/**
 * A product as the read model holds it: with who made its latest change (changed-by.ts), which
 * the public routes never show; absent when it was not recorded.
 */
export interface ProjectedProduct extends Product {
  changedBy?: string;
}

/** A product taken out of the catalog, at the version that took it out, when and by whom. */
export interface DeletedProduct {
  sku: string;
  version: number;
  deleted: true;
  deletedAt: string;
  changedBy?: string;
}

/** What the read model should hold for one SKU: the product as it is, or that it is gone. */
export type CatalogEntry = ProjectedProduct | DeletedProduct;

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

/** A page of one product's history, newest first. */
export interface CatalogHistoryPage {
  items: CatalogHistoryEntry[];
  nextCursor: string | null;
}

/**
 * The catalog's history (shared/catalog/catalog-history.ts): one entry per change of a product,
 * at most one per place in the product's history (its version).
 */
export interface CatalogHistoryStore {
  /** Records the entry; false when one is already recorded at its place (a repeated change). */
  record(entry: CatalogHistoryEntry): Promise<boolean>;
  /** A product's entries, newest first. */
  list(sku: string, page: { limit: number; cursor?: string }): Promise<CatalogHistoryPage>;
}

/** A cursor the adapter could not decode (tampered, or from another query). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}
