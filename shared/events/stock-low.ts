/**
 * StockLow (source `shelf.orders`): an order took a product's stock from at or above its low-stock
 * threshold to below it (products.low_stock_threshold, 5 unless set). Written to the domain event
 * outbox in the order's transaction, beside its OrderPlaced; an EventBridge rule sends it to the
 * ops-alerts SNS topic, where a subscription may keep only some categories (docs/events.md).
 *
 * Announced once per crossing, not once per order below the threshold: a product already low does
 * not alert again until it has been restocked to the threshold and falls below it once more.
 *
 * Version 1 of its detail; breaking changes are published as a new version beside this one.
 */
import * as z from '../zod';
import { skuPattern } from '../catalog/product';
import { domainEventId, type DomainEvent } from './domain-event';
import { ordersEventSource } from './order-placed';

export const stockLowType = 'StockLow';

export const stockLowSchema = z.strictObject({
  eventId: z.uuid(),
  eventVersion: z.literal(1),
  sku: z.string().check(z.regex(skuPattern)),
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  /** The product's category: SNS subscriptions filter on it (FilterPolicyScope MessageBody). */
  category: z.string().check(z.minLength(1), z.maxLength(60)),
  /** Units left after the order. */
  stock: z.number().check(z.int(), z.minimum(0)),
  threshold: z.number().check(z.int(), z.minimum(0)),
  /** The order that took the stock below the threshold. */
  orderId: z.uuid(),
  occurredAt: z.iso.datetime({ offset: true }),
});

export type StockLow = z.infer<typeof stockLowSchema>;

/** Whether taking `taken` units crosses the threshold: from at or above it to below it. */
export function fallsBelowThreshold(stockBefore: number, taken: number, threshold: number): boolean {
  return stockBefore >= threshold && stockBefore - taken < threshold;
}

/** The event, validated; the same product and order always give the same id. */
export function stockLow(fact: Omit<StockLow, 'eventId' | 'eventVersion'>): DomainEvent<StockLow> {
  const detail = stockLowSchema.parse({
    eventId: domainEventId(stockLowType, fact.sku, fact.orderId),
    eventVersion: 1,
    ...fact,
  });
  return { source: ordersEventSource, detailType: stockLowType, time: fact.occurredAt, detail };
}
