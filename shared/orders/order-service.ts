/** What the order routes do, over the OrderStore and CatalogReadModel ports. */
import type { CatalogReadModel } from '../catalog/catalog-ports';
import { NotFoundError } from '../errors';
import { logger } from '../observability';
import type { Caller } from '../auth/caller';
import type { Order, OrderLineInput, OrderPage } from './order';
import type { OrderStore } from './order-ports';

export interface OrderDeps {
  orders: OrderStore;
  catalog: CatalogReadModel;
}

export async function placeOrder(deps: OrderDeps, customerId: string, lines: OrderLineInput[]): Promise<Order> {
  const { order, stock } = await deps.orders.place(customerId, lines);
  // The order is committed; the storefront's stock figures follow. A failure here must not
  // turn a placed order into an error for the shopper: the next write of these SKUs (or a
  // catalog rebuild) brings the read model up to date, and the log says which SKUs lag.
  try {
    await deps.catalog.putStock(stock);
  } catch (error) {
    logger.error('Catalog stock projection failed; read model lags', { skus: stock.map((s) => s.sku), error });
  }
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
