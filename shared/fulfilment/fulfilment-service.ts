/**
 * The order fulfilment's steps, one per Task state of the state machine, each safe to repeat on
 * the same order (a Retry, or a second execution for one OrderPlaced): the provider charges once
 * per order id, the carrier ships once per order id, and every status change is guarded by the
 * status it starts from.
 */
import { projectAfterCommit, type ProjectionDeps } from '../catalog/catalog-projection';
import type { DomainEventPublisher } from '../events/domain-event';
import { orderShipped } from '../events/order-shipped';
import { logger, metrics, MetricUnit } from '../observability';
import type { Order } from '../orders/order';
import { cancellationReason, OrderNotFulfillableError, type CaughtFailure } from './fulfilment';
import type { FulfilmentStore, PaymentProvider, Shipper } from './fulfilment-ports';

async function orderOf(orders: FulfilmentStore, orderId: string): Promise<Order> {
  const order = await orders.get(orderId);
  if (!order) throw new OrderNotFulfillableError(`Order ${orderId} does not exist`);
  return order;
}

/** Step 1: charges the order's total and marks it PAID. */
export async function takePayment(
  deps: { orders: FulfilmentStore; payments: PaymentProvider },
  orderId: string,
): Promise<{ chargeId: string; status: Order['status'] }> {
  const order = await orderOf(deps.orders, orderId);
  if (order.status === 'CANCELLED') {
    throw new OrderNotFulfillableError(`Order ${orderId} is cancelled; it is not charged`);
  }
  const { chargeId } = await deps.payments.charge({
    idempotencyKey: order.orderId,
    amountCents: order.totalCents,
    currency: order.currency,
  });
  const paid = await deps.orders.markPaid(orderId, chargeId);
  metrics.addMetric('PaymentsTaken', MetricUnit.Count, 1);
  return { chargeId, status: paid.status };
}

/** Step 2: the stock was allocated when the order was placed; hands it to the carrier, SHIPPED. */
export async function shipOrder(
  deps: { orders: FulfilmentStore; shipper: Shipper },
  orderId: string,
): Promise<{ trackingId: string }> {
  const order = await orderOf(deps.orders, orderId);
  if (order.status === 'SHIPPED') return { trackingId: order.trackingId! };
  if (order.status !== 'PAID') {
    throw new OrderNotFulfillableError(`Order ${orderId} is ${order.status}, not PAID; it is not shipped`);
  }
  const { trackingId } = await deps.shipper.ship(order);
  await deps.orders.markShipped(orderId, trackingId);
  metrics.addMetric('OrdersShipped', MetricUnit.Count, 1);
  return { trackingId };
}

/** Step 3: announces OrderShipped on the shop's bus (the same event id however often). */
export async function notifyShipped(
  deps: { orders: FulfilmentStore; publisher: DomainEventPublisher; now?: () => Date },
  orderId: string,
): Promise<{ eventId: string }> {
  const order = await orderOf(deps.orders, orderId);
  if (order.status !== 'SHIPPED') {
    throw new OrderNotFulfillableError(`Order ${orderId} is ${order.status}, not SHIPPED; nothing to announce`);
  }
  const event = orderShipped(
    {
      orderId,
      customerId: order.customerId,
      trackingId: order.trackingId!,
      totalCents: order.totalCents,
      currency: order.currency,
    },
    (deps.now ?? (() => new Date()))(),
  );
  await deps.publisher.publish([event]);
  return { eventId: event.detail.eventId };
}

/** Compensation 1: refunds the order's charge, if there is one and it was not refunded yet. */
export async function refundPayment(
  deps: { payments: PaymentProvider },
  orderId: string,
): Promise<{ refunded: boolean }> {
  const refunded = await deps.payments.refund(orderId);
  logger.info(refunded ? 'Payment refunded' : 'No payment to refund', { orderId });
  metrics.addMetric('PaymentsRefunded', MetricUnit.Count, refunded ? 1 : 0);
  return { refunded };
}

/**
 * Compensation 2: puts the order's stock back and marks it CANCELLED with the reason, in one
 * transaction (once, however often this runs), then projects the stock into the catalog read
 * model, as every writer of products does.
 */
export async function cancelOrder(
  deps: ProjectionDeps & { orders: FulfilmentStore },
  orderId: string,
  failure: CaughtFailure,
): Promise<{ status: Order['status']; released: string[]; reason: string }> {
  const { order, released } = await deps.orders.cancel(orderId, cancellationReason(failure));
  if (released.length > 0) await projectAfterCommit(deps, released);
  logger.info('Order cancelled', { orderId, failure: failure.Error, released });
  metrics.addMetric('OrdersCancelled', MetricUnit.Count, released.length > 0 ? 1 : 0);
  return { status: order.status, released, reason: order.cancellationReason ?? '' };
}
