// In-memory fakes of the catalog history's ports, with the real adapters' semantics: the store
// keeps one entry per place (version, and whether it removed), newest first; the publisher keeps
// what it published and can be made to fail.
import type { CatalogHistoryEntry } from '../../../shared/catalog/catalog-history';
import type { CatalogHistoryPage, CatalogHistoryStore } from '../../../shared/catalog/catalog-ports';
import type { DomainEvent, DomainEventPublisher } from '../../../shared/events/domain-event';

export class FakeCatalogHistoryStore implements CatalogHistoryStore {
  readonly entries = new Map<string, CatalogHistoryEntry>();
  failure?: Error;

  private static place(entry: CatalogHistoryEntry): string {
    return `${entry.sku} ${String(entry.version).padStart(20, '0')}${entry.change === 'removed' ? '#removed' : ''}`;
  }

  record(entry: CatalogHistoryEntry): Promise<boolean> {
    if (this.failure) return Promise.reject(this.failure);
    const place = FakeCatalogHistoryStore.place(entry);
    if (this.entries.has(place)) return Promise.resolve(false);
    this.entries.set(place, entry);
    return Promise.resolve(true);
  }

  list(sku: string, { limit }: { limit: number; cursor?: string }): Promise<CatalogHistoryPage> {
    return Promise.resolve({ items: this.of(sku).slice(0, limit), nextCursor: null });
  }

  /** Every entry of a SKU, newest first. */
  of(sku: string): CatalogHistoryEntry[] {
    return [...this.entries.entries()]
      .filter(([place]) => place.startsWith(`${sku} `))
      .sort(([a], [b]) => b.localeCompare(a))
      .map(([, entry]) => entry);
  }
}

export class FakeDomainEventPublisher implements DomainEventPublisher {
  readonly published: DomainEvent[] = [];
  failure?: Error;

  publish(events: readonly DomainEvent[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.published.push(...events);
    return Promise.resolve();
  }
}
