/**
 * OrderPlaced (source `shelf.orders`): a shopper's order committed, its stock taken. Written to the
 * domain event outbox in the order's own transaction (shared/adapters/postgres/order-store.ts) and
 * published from there (shared/events/outbox-publishing.ts); an EventBridge rule sends it to the
 * order-notifications SNS topic, where sendOrderConfirmation mails the customer (docs/events.md).
 *
 * Version 1 of its detail. It carries what a consumer needs to act without calling back into the
 * shop (the lines, the total, where to write to the customer). A breaking change is published as
 * version 2 beside version 1 until every consumer has moved, never as an edit of this schema.
 */
import * as z from '../zod';
import { currencySchema, skuPattern } from '../catalog/product';
import { domainEventId, type DomainEvent } from './domain-event';

export const ordersEventSource = 'shelf.orders';
export const orderPlacedType = 'OrderPlaced';

const cents = z.number().check(z.int(), z.minimum(0));

export const orderPlacedSchema = z.strictObject({
  eventId: z.uuid(),
  eventVersion: z.literal(1),
  orderId: z.uuid(),
  customer: z.strictObject({
    /** The order's owner (the token's `sub`). */
    id: z.string().check(z.minLength(1), z.maxLength(255)),
    /** The verified e-mail claim of the token the order was placed with; null without one. */
    email: z.nullable(z.email().check(z.maxLength(254))),
  }),
  lines: z
    .array(
      z.strictObject({
        sku: z.string().check(z.regex(skuPattern)),
        name: z.string().check(z.minLength(1), z.maxLength(200)),
        quantity: z.number().check(z.int(), z.positive()),
        unitPriceCents: cents,
        lineTotalCents: cents,
      }),
    )
    .check(z.minLength(1)),
  totalCents: cents,
  currency: currencySchema,
  /** When the order committed, ISO-8601. */
  placedAt: z.iso.datetime({ offset: true }),
});

export type OrderPlaced = z.infer<typeof orderPlacedSchema>;

/** The event, validated against its schema; one order has one OrderPlaced, whatever repeats it. */
export function orderPlaced(fact: Omit<OrderPlaced, 'eventId' | 'eventVersion'>): DomainEvent<OrderPlaced> {
  const detail = orderPlacedSchema.parse({
    eventId: domainEventId(orderPlacedType, fact.orderId),
    eventVersion: 1,
    ...fact,
  });
  return { source: ordersEventSource, detailType: orderPlacedType, time: fact.placedAt, detail };
}
