/**
 * OrderShipped (source `shelf.orders`): the order left with the carrier, its tracking id known.
 * Published by the order fulfilment's last step (services/fulfilment/notify-customer.ts); an
 * EventBridge rule sends it to the order-notifications SNS topic (infra/resources/events.yml).
 * The state machine retries that step, so it may be published more than once: the same eventId
 * each time, for consumers to drop repeats. Version 1 of its detail.
 */
import * as z from '../zod';
import { currencySchema } from '../catalog/product';
import { domainEventId, type DomainEvent } from './domain-event';
import { ordersEventSource } from './order-placed';

export const orderShippedType = 'OrderShipped';

export const orderShippedSchema = z.strictObject({
  eventId: z.uuid(),
  eventVersion: z.literal(1),
  orderId: z.uuid(),
  customerId: z.string().check(z.minLength(1), z.maxLength(255)),
  trackingId: z.string().check(z.minLength(1), z.maxLength(100)),
  totalCents: z.number().check(z.int(), z.minimum(0)),
  currency: currencySchema,
});

export type OrderShipped = z.infer<typeof orderShippedSchema>;

export function orderShipped(
  fact: Omit<OrderShipped, 'eventId' | 'eventVersion'>,
  time: Date,
): DomainEvent<OrderShipped> {
  const detail = orderShippedSchema.parse({
    eventId: domainEventId(orderShippedType, fact.orderId),
    eventVersion: 1,
    ...fact,
  });
  return { source: ordersEventSource, detailType: orderShippedType, time: time.toISOString(), detail };
}
