/** What the order routes do, over the OrderStore and CatalogReadModel ports. */
import { projectAfterCommit, type ProjectionDeps } from '../catalog/catalog-projection';
import { NotFoundError } from '../errors';
import type { Caller } from '../auth/caller';
import type { Order, OrderLineInput, OrderPage } from './order';
import type { OrderStore } from './order-ports';

export interface OrderDeps extends ProjectionDeps {
  orders: OrderStore;
}

export async function placeOrder(deps: OrderDeps, customerId: string, lines: OrderLineInput[]): Promise<Order> {
  const order = await deps.orders.place(customerId, lines);
  // The order is committed; the storefront's stock figures follow. A failure there never turns a
  // placed order into an error for the shopper: the SKUs stay queued in the catalog outbox.
  await projectAfterCommit(
    deps,
    order.lines.map((line) => line.sku),
  );
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
