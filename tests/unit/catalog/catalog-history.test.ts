// The catalog's history over in-memory fakes of its ports: what one step of the read model records,
// when it announces PriceChanged, and what a repeated step does.
import {
  describeCatalogChange,
  productHistory,
  recordCatalogChange,
  type CatalogChange,
} from '../../../shared/catalog/catalog-history';
import type { DeletedProduct, ProjectedProduct } from '../../../shared/catalog/catalog-ports';
import { InvalidCursorError } from '../../../shared/catalog/catalog-ports';
import { InvalidInputError } from '../../../shared/errors';
import { priceChangedSchema } from '../../../shared/events/price-changed';
import { aProduct } from '../../fixtures/catalog';
import { FakeCatalogHistoryStore, FakeDomainEventPublisher } from './history-fakes';

const admin = 'admin:admin-1';

const product = (version: number, changes: Partial<ProjectedProduct> = {}): ProjectedProduct => ({
  ...aProduct('TEA-SENCHA', version),
  updatedAt: `2026-11-28T10:00:0${version}.000Z`,
  changedBy: admin,
  ...changes,
});

const tombstone = (version: number, changedBy?: string): DeletedProduct => ({
  sku: 'TEA-SENCHA',
  version,
  deleted: true,
  deletedAt: '2026-11-29T08:00:00.000Z',
  ...(changedBy ? { changedBy } : {}),
});

const step = (before: CatalogChange['before'], after: CatalogChange['after'], changeId = 'event-1'): CatalogChange => ({
  sku: 'TEA-SENCHA',
  before,
  after,
  observedAt: '2026-11-29T09:30:00.000Z',
  changeId,
});

describe('describeCatalogChange', () => {
  it('records a new product as created, by whom and when, with no event', () => {
    const described = describeCatalogChange(step(undefined, product(1)));

    expect(described).toEqual({
      entry: {
        sku: 'TEA-SENCHA',
        version: 1,
        change: 'created',
        changedAt: '2026-11-28T10:00:01.000Z',
        changedBy: admin,
        changedFields: [],
        before: null,
        after: { name: 'Sencha', priceCents: 1200, currency: 'EUR', stock: 25 },
        changeId: 'event-1',
      },
    });
  });

  it('records a price change with old and new price, and announces PriceChanged', () => {
    const described = describeCatalogChange(step(product(1), product(2, { priceCents: 990, changedBy: 'import:i-1' })));

    expect(described?.entry).toMatchObject({
      change: 'changed',
      version: 2,
      changedBy: 'import:i-1',
      changedFields: ['priceCents'],
      before: { priceCents: 1200 },
      after: { priceCents: 990 },
    });
    expect(described?.priceChanged).toEqual({
      source: 'shelf.catalog',
      detailType: 'PriceChanged',
      time: '2026-11-28T10:00:02.000Z',
      detail: {
        eventId: expect.any(String),
        eventVersion: 1,
        sku: 'TEA-SENCHA',
        productVersion: 2,
        oldPrice: { cents: 1200, currency: 'EUR' },
        newPrice: { cents: 990, currency: 'EUR' },
        changedAt: '2026-11-28T10:00:02.000Z',
        changedBy: 'import:i-1',
      },
    });
    expect(priceChangedSchema.safeParse(described?.priceChanged?.detail).success).toBe(true);
  });

  it('gives the same event id to the same price change, and another to the next one', () => {
    const first = describeCatalogChange(step(product(1), product(2, { priceCents: 990 }), 'event-1'));
    const again = describeCatalogChange(step(product(1), product(2, { priceCents: 990 }), 'event-9'));
    const next = describeCatalogChange(step(product(2, { priceCents: 990 }), product(3, { priceCents: 950 })));

    expect(again?.priceChanged?.detail.eventId).toBe(first?.priceChanged?.detail.eventId);
    expect(next?.priceChanged?.detail.eventId).not.toBe(first?.priceChanged?.detail.eventId);
  });

  it('announces a change of currency alone as a price change', () => {
    const described = describeCatalogChange(step(product(1), product(2, { currency: 'USD' })));

    expect(described?.priceChanged?.detail).toMatchObject({
      oldPrice: { cents: 1200, currency: 'EUR' },
      newPrice: { cents: 1200, currency: 'USD' },
    });
  });

  it('records a stock change by an order without any event, naming the field', () => {
    const described = describeCatalogChange(step(product(1), product(2, { stock: 23, changedBy: 'order:o-1' })));

    expect(described?.entry).toMatchObject({
      change: 'changed',
      changedBy: 'order:o-1',
      changedFields: ['stock'],
      before: { stock: 25 },
      after: { stock: 23 },
    });
    expect(described?.priceChanged).toBeUndefined();
  });

  it('records a change that only moved the version (the same values written again) with no fields', () => {
    const described = describeCatalogChange(step(product(1), product(2)));

    expect(described?.entry).toMatchObject({ change: 'changed', version: 2, changedFields: [] });
    expect(described?.priceChanged).toBeUndefined();
  });

  it('records a removal from the tombstone: its version, when and by whom, and what was removed', () => {
    const described = describeCatalogChange(step(product(4), tombstone(5, admin)));

    expect(described).toEqual({
      entry: {
        sku: 'TEA-SENCHA',
        version: 5,
        change: 'removed',
        changedAt: '2026-11-29T08:00:00.000Z',
        changedBy: admin,
        changedFields: [],
        before: { name: 'Sencha', priceCents: 1200, currency: 'EUR', stock: 25 },
        after: null,
        changeId: 'event-1',
      },
    });
  });

  it('records an item deleted outside Shelf as removed by nobody known, when the stream saw it', () => {
    const described = describeCatalogChange(step(product(4), undefined));

    expect(described?.entry).toMatchObject({
      version: 4,
      change: 'removed',
      changedAt: '2026-11-29T09:30:00.000Z',
      changedBy: null,
      after: null,
    });
  });

  it('records a product back from its tombstone as created again', () => {
    const described = describeCatalogChange(step(tombstone(5, admin), product(6, { changedBy: 'import:i-2' })));

    expect(described?.entry).toMatchObject({ change: 'created', version: 6, before: null, changedBy: 'import:i-2' });
    expect(described?.priceChanged).toBeUndefined();
  });

  it.each([
    ['a tombstone expiring (TTL)', tombstone(5, admin), undefined],
    ['a tombstone written where there was no product', undefined, tombstone(5)],
  ])('records nothing for %s', (_, before, after) => {
    expect(describeCatalogChange(step(before, after))).toBeUndefined();
  });
});

describe('recordCatalogChange', () => {
  let history: FakeCatalogHistoryStore;
  let events: FakeDomainEventPublisher;
  beforeEach(() => {
    history = new FakeCatalogHistoryStore();
    events = new FakeDomainEventPublisher();
  });

  it('writes the entry, then publishes the price change', async () => {
    const result = await recordCatalogChange({ history, events }, step(product(1), product(2, { priceCents: 990 })));

    expect(result).toEqual({ outcome: 'recorded', priceChanged: true });
    expect(history.of('TEA-SENCHA')).toEqual([expect.objectContaining({ version: 2, change: 'changed' })]);
    expect(events.published).toEqual([expect.objectContaining({ detailType: 'PriceChanged' })]);
  });

  it('writes one entry for a step seen twice, and publishes its event again with the same id', async () => {
    const change = step(product(1), product(2, { priceCents: 990 }));

    await recordCatalogChange({ history, events }, change);
    const again = await recordCatalogChange({ history, events }, { ...change, changeId: 'event-2' });

    expect(again).toEqual({ outcome: 'repeated', priceChanged: true });
    expect(history.of('TEA-SENCHA')).toHaveLength(1);
    expect(events.published).toHaveLength(2);
    expect(events.published[1]!.detail.eventId).toBe(events.published[0]!.detail.eventId);
  });

  it('keeps the entry when publishing fails and throws, so that the retry publishes', async () => {
    events.failure = new Error('EventBridge throttled');
    const change = step(product(1), product(2, { priceCents: 990 }));

    await expect(recordCatalogChange({ history, events }, change)).rejects.toThrow('EventBridge throttled');
    expect(history.of('TEA-SENCHA')).toHaveLength(1);

    events.failure = undefined;
    await expect(recordCatalogChange({ history, events }, change)).resolves.toEqual({
      outcome: 'repeated',
      priceChanged: true,
    });
    expect(events.published).toHaveLength(1);
  });

  it('publishes nothing when the entry cannot be written', async () => {
    history.failure = new Error('DynamoDB unreachable');

    await expect(
      recordCatalogChange({ history, events }, step(product(1), product(2, { priceCents: 990 }))),
    ).rejects.toThrow('DynamoDB unreachable');
    expect(events.published).toEqual([]);
  });

  it('writes nothing when there is nothing to record', async () => {
    await expect(recordCatalogChange({ history, events }, step(tombstone(5), undefined))).resolves.toEqual({
      outcome: 'none',
      priceChanged: false,
    });
    expect(history.entries.size).toBe(0);
  });

  it('keeps a removal made outside Shelf beside the entry of the version it removed', async () => {
    await recordCatalogChange({ history, events }, step(undefined, product(4), 'event-1'));
    await recordCatalogChange({ history, events }, step(product(4), undefined, 'event-2'));

    expect(history.of('TEA-SENCHA').map((e) => [e.version, e.change])).toEqual([
      [4, 'removed'],
      [4, 'created'],
    ]);
  });
});

describe('productHistory', () => {
  it('turns a cursor the store cannot read into invalid input naming the cursor', async () => {
    const history = new FakeCatalogHistoryStore();
    history.list = () => Promise.reject(new InvalidCursorError('does not belong to this product'));

    const attempt = productHistory(history, 'TEA-SENCHA', { limit: 20, cursor: 'x' });

    await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
    await expect(attempt).rejects.toMatchObject({
      details: [{ field: 'cursor', message: 'does not belong to this product' }],
    });
  });

  it('answers an empty page for a SKU with no history', async () => {
    await expect(productHistory(new FakeCatalogHistoryStore(), 'NOPE-1', { limit: 20 })).resolves.toEqual({
      items: [],
      nextCursor: null,
    });
  });
});
