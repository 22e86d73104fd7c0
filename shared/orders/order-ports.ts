/** Port of the order store (PostgreSQL adapter: shared/adapters/postgres/order-store.ts). */
import type { Order, OrderLineInput, OrderPage } from './order';

export interface OrderStore {
  /**
   * In one transaction: locks the ordered products, checks there is enough stock for every line,
   * takes it, and records the order. Throws OutOfStockError naming every short SKU and
   * InvalidInputError for unknown SKUs or mixed currencies; nothing is written then.
   */
  place(customerId: string, lines: OrderLineInput[]): Promise<Order>;
  get(orderId: string): Promise<Order | undefined>;
  listByCustomer(customerId: string, limit: number, cursor?: string): Promise<OrderPage>;
}
