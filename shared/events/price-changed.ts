/**
 * PriceChanged (source `shelf.catalog`): a product's price moved. Published by the catalog's change
 * feed (shared/catalog/catalog-history.ts) when the read model's copy of a product changed price or
 * currency; consumed by notifications (price-drop alerts, issue 13).
 *
 * Version 1 of its detail. A change that could break a consumer (a field removed, renamed or
 * retyped) is published as version 2 beside version 1 until every consumer has moved, never as an
 * edit of this schema.
 */
import * as z from '../zod';
import { currencySchema, skuPattern } from '../catalog/product';
import { domainEventId, type DomainEvent } from './domain-event';

export const catalogEventSource = 'shelf.catalog';
export const priceChangedType = 'PriceChanged';

const priceSchema = z.strictObject({
  cents: z.number().check(z.int(), z.minimum(0)),
  currency: currencySchema,
});

export const priceChangedSchema = z.strictObject({
  eventId: z.uuid(),
  eventVersion: z.literal(1),
  sku: z.string().check(z.regex(skuPattern)),
  /** The product's version whose price this is (grows with every change of the product). */
  productVersion: z.number().check(z.int(), z.positive()),
  oldPrice: priceSchema,
  newPrice: priceSchema,
  /** When the price changed in the system of record. */
  changedAt: z.iso.datetime({ offset: true }),
  /** Who changed it (shared/catalog/changed-by.ts); null when not recorded. */
  changedBy: z.nullable(z.string()),
});

export type PriceChanged = z.infer<typeof priceChangedSchema>;

/** The event, validated against its schema; its id is the same for the same SKU and version. */
export function priceChanged(fact: Omit<PriceChanged, 'eventId' | 'eventVersion'>): DomainEvent<PriceChanged> {
  const detail = priceChangedSchema.parse({
    eventId: domainEventId(priceChangedType, fact.sku, fact.productVersion),
    eventVersion: 1,
    ...fact,
  });
  return { source: catalogEventSource, detailType: priceChangedType, time: fact.changedAt, detail };
}
