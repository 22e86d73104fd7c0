// In-memory fakes of the catalog projection's ports, with the real adapters' semantics: every write
// to the system of record queues its SKU in the outbox (the trigger's job in PostgreSQL), a drain
// reads the current state, projects it, and dequeues only if projecting succeeded; the read model
// keeps the newest version of each SKU.
import type {
  CatalogEntry,
  CatalogOutbox,
  CatalogPage,
  CatalogQuery,
  CatalogReadModel,
} from '../../../shared/catalog/catalog-ports';
import { isDeleted } from '../../../shared/catalog/catalog-ports';
import type { Product } from '../../../shared/catalog/product';

/** The system of record's current entries, and the outbox the trigger fills. */
export class FakeCatalogOutbox implements CatalogOutbox {
  readonly entries = new Map<string, CatalogEntry>();
  readonly queued = new Set<string>();
  readonly drains: { skus?: readonly string[]; limit: number }[] = [];

  /** What a committed write does in PostgreSQL: the new state, and its SKU queued. */
  write(entry: CatalogEntry): void {
    this.entries.set(entry.sku, entry);
    this.queued.add(entry.sku);
  }

  async drain(
    project: (entries: CatalogEntry[]) => Promise<void>,
    scope: { skus?: readonly string[]; limit: number },
  ): Promise<number> {
    this.drains.push(scope);
    const taken = [...this.queued].filter((sku) => !scope.skus || scope.skus.includes(sku)).slice(0, scope.limit);
    if (taken.length === 0) return 0;
    await project(taken.map((sku) => this.entries.get(sku)!));
    for (const sku of taken) this.queued.delete(sku);
    return taken.length;
  }

  queueAll(): Promise<number> {
    for (const sku of this.entries.keys()) this.queued.add(sku);
    return Promise.resolve(this.entries.size);
  }

  pending(): Promise<number> {
    return Promise.resolve(this.queued.size);
  }
}

export class FakeCatalogReadModel implements CatalogReadModel {
  readonly items = new Map<string, CatalogEntry>();
  /** Each apply() call's SKUs, in order. */
  readonly applied: string[][] = [];
  readonly queries: CatalogQuery[] = [];
  page: CatalogPage = { items: [], nextCursor: null };
  listFailure?: Error;
  /** Makes apply() fail (DynamoDB down) until cleared. */
  failure?: Error;

  get(sku: string): Promise<Product | undefined> {
    const item = this.items.get(sku);
    return Promise.resolve(item && !isDeleted(item) ? item : undefined);
  }

  list(query: CatalogQuery): Promise<CatalogPage> {
    this.queries.push(query);
    return this.listFailure ? Promise.reject(this.listFailure) : Promise.resolve(this.page);
  }

  apply(entries: CatalogEntry[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.applied.push(entries.map((e) => e.sku));
    for (const entry of entries) {
      const current = this.items.get(entry.sku);
      if (!current || current.version <= entry.version) this.items.set(entry.sku, entry);
    }
    return Promise.resolve();
  }
}
