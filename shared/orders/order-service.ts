/** What the order routes do, over the OrderStore, CatalogReadModel and domain event outbox ports. */
import { projectAfterCommit, type ProjectionDeps } from '../catalog/catalog-projection';
import { NotFoundError } from '../errors';
import type { Caller } from '../auth/caller';
import { publishAfterCommit, type OutboxPublishingDeps } from '../events/outbox-publishing';
import type { Order, OrderCustomer, OrderLineInput, OrderPage } from './order';
import type { OrderStore } from './order-ports';

export interface OrderDeps extends ProjectionDeps {
  orders: OrderStore;
  events: OutboxPublishingDeps;
}

export async function placeOrder(deps: OrderDeps, customer: OrderCustomer, lines: OrderLineInput[]): Promise<Order> {
  const { order, eventIds } = await deps.orders.place(customer, lines);
  // The order is committed; the storefront's stock figures and the order's events follow, side by
  // side. A failure there never turns a placed order into an error for the shopper: the SKUs stay
  // queued in the catalog outbox, the events in the domain event outbox.
  await Promise.all([
    projectAfterCommit(
      deps,
      order.lines.map((line) => line.sku),
    ),
    publishAfterCommit(deps.events, eventIds),
  ]);
  return order;
}

/** The caller's order, or any order for an admin. Someone else's order is reported as not found. */
export async function getOrder(orders: OrderStore, caller: Caller, orderId: string): Promise<Order> {
  const order = await orders.get(orderId);
  if (!order || (order.customerId !== caller.id && !caller.roles.includes('admin'))) {
    throw new NotFoundError(`Order ${orderId} does not exist`);
  }
  return order;
}

export function listMyOrders(orders: OrderStore, caller: Caller, limit: number, cursor?: string): Promise<OrderPage> {
  return orders.listByCustomer(caller.id, limit, cursor);
}
