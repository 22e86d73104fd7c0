/**
 * The catalog's history: an audit entry for every product created, changed or removed, and a
 * PriceChanged event when the price moved. It is fed by the change feed of the catalog read model
 * (DynamoDB Streams on CatalogTable → services/catalog/record-catalog-change.ts), which sees every
 * state the read model takes, whichever writer caused it: an admin, an import, an order.
 *
 * What one entry says is one step of the read model, from the state before to the state after.
 * Writers project right after their commit, so that is almost always one change in PostgreSQL;
 * changes made while a projection is behind reach the read model together, as one step (the
 * entry then names the last writer, and the version jumps).
 */
import { InvalidInputError } from '../errors';
import { priceChanged, type PriceChanged } from '../events/price-changed';
import type { DomainEvent, DomainEventPublisher } from '../events/domain-event';
import type { CatalogEntry, CatalogHistoryPage, CatalogHistoryStore, ProjectedProduct } from './catalog-ports';
import { InvalidCursorError, isDeleted } from './catalog-ports';

export type CatalogChangeKind = 'created' | 'changed' | 'removed';

/** What an admin reads of a product's state before or after a change. */
export interface ProductFacts {
  name: string;
  priceCents: number;
  currency: string;
  stock: number;
}

/** The fields whose change an entry names. */
export const trackedFields = ['name', 'description', 'category', 'priceCents', 'currency', 'stock'] as const;
export type TrackedField = (typeof trackedFields)[number];

export interface CatalogHistoryEntry {
  sku: string;
  /** The product's version after the change; for a removal made outside Shelf, the last one. */
  version: number;
  change: CatalogChangeKind;
  /** When it changed in the system of record (ISO-8601). */
  changedAt: string;
  /** Who changed it (changed-by.ts); null when not recorded. */
  changedBy: string | null;
  /** Which tracked fields differ (changes only; empty when only the version moved). */
  changedFields: TrackedField[];
  before: ProductFacts | null;
  after: ProductFacts | null;
  /** The id of the change notice it was recorded from (the stream record's eventID). */
  changeId: string;
}

/** One step of the read model, as its change feed tells it. */
export interface CatalogChange {
  sku: string;
  /** What the read model held for the SKU before the step (a product or a tombstone), if anything. */
  before?: CatalogEntry;
  /** What it holds after, if anything. */
  after?: CatalogEntry;
  /** When the read model changed (ISO-8601): the time of a removal that left no tombstone. */
  observedAt: string;
  changeId: string;
}

export interface DescribedChange {
  entry: CatalogHistoryEntry;
  /** Set when the price (amount or currency) of a product that stays in the catalog moved. */
  priceChanged?: DomainEvent<PriceChanged>;
}

const facts = ({ name, priceCents, currency, stock }: ProjectedProduct): ProductFacts => ({
  name,
  priceCents,
  currency,
  stock,
});

const live = (entry: CatalogEntry | undefined): ProjectedProduct | undefined =>
  entry && !isDeleted(entry) ? entry : undefined;

/**
 * The entry for one step, and the PriceChanged event if the price moved; undefined when there is
 * nothing to record: no product before and none after (a tombstone written for a product the read
 * model did not hold, or a tombstone expiring).
 */
export function describeCatalogChange(change: CatalogChange): DescribedChange | undefined {
  const before = live(change.before);
  const after = live(change.after);
  const { sku, changeId } = change;

  if (after) {
    const entry: CatalogHistoryEntry = {
      sku,
      version: after.version,
      // A product back from a tombstone is created again.
      change: before ? 'changed' : 'created',
      changedAt: after.updatedAt,
      changedBy: after.changedBy ?? null,
      changedFields: before ? trackedFields.filter((field) => before[field] !== after[field]) : [],
      before: before ? facts(before) : null,
      after: facts(after),
      changeId,
    };
    const moved =
      before !== undefined && (before.priceCents !== after.priceCents || before.currency !== after.currency);
    if (!moved) return { entry };
    return {
      entry,
      priceChanged: priceChanged({
        sku,
        productVersion: after.version,
        oldPrice: { cents: before.priceCents, currency: before.currency },
        newPrice: { cents: after.priceCents, currency: after.currency },
        changedAt: after.updatedAt,
        changedBy: entry.changedBy,
      }),
    };
  }

  if (before) {
    // Shelf removes a product by leaving a tombstone that says when and by whom; an item that is
    // simply gone was deleted outside Shelf (by hand), which is recorded too, by nobody known.
    const tombstone = change.after && isDeleted(change.after) ? change.after : undefined;
    return {
      entry: {
        sku,
        version: tombstone?.version ?? before.version,
        change: 'removed',
        changedAt: tombstone?.deletedAt ?? change.observedAt,
        changedBy: tombstone?.changedBy ?? null,
        changedFields: [],
        before: facts(before),
        after: null,
        changeId,
      },
    };
  }

  return undefined;
}

export interface CatalogHistoryDeps {
  history: CatalogHistoryStore;
  events: DomainEventPublisher;
}

export interface RecordedChange {
  /** recorded: a new entry; repeated: its entry was already there (the same step seen again); none: nothing to record. */
  outcome: 'recorded' | 'repeated' | 'none';
  priceChanged: boolean;
}

/**
 * Records one step of the read model: its entry, then its PriceChanged event. Safe to repeat (the
 * change feed delivers at least once, and a failed batch is retried): the entry is written once,
 * and the event, published again, keeps its id, so consumers drop the repeat. The event is
 * published even when the entry was already there: the attempt that wrote it may have failed
 * before publishing.
 */
export async function recordCatalogChange(deps: CatalogHistoryDeps, change: CatalogChange): Promise<RecordedChange> {
  const described = describeCatalogChange(change);
  if (!described) return { outcome: 'none', priceChanged: false };
  const recorded = await deps.history.record(described.entry);
  if (described.priceChanged) await deps.events.publish([described.priceChanged]);
  return { outcome: recorded ? 'recorded' : 'repeated', priceChanged: described.priceChanged !== undefined };
}

/**
 * A page of a product's history, newest first. A SKU with no history (never changed since the
 * history began, or unknown) has an empty one: the history outlives the product, so it is not
 * checked against the catalog.
 */
export async function productHistory(
  history: CatalogHistoryStore,
  sku: string,
  page: { limit: number; cursor?: string },
): Promise<CatalogHistoryPage> {
  try {
    return await history.list(sku, page);
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw new InvalidInputError('Invalid cursor', [{ field: 'cursor', message: error.message }]);
    }
    throw error;
  }
}
