/** Port of the order store (PostgreSQL adapter: shared/adapters/postgres/order-store.ts). */
import type { Order, OrderCustomer, OrderLineInput, OrderPage } from './order';

/** A committed order, and the domain events its transaction queued in the outbox. */
export interface PlacedOrder {
  order: Order;
  /** OrderPlaced, and StockLow for every product the order took below its threshold. */
  eventIds: string[];
}

export interface OrderStore {
  /**
   * In one transaction: locks the ordered products, checks there is enough stock for every line,
   * takes it, records the order, and queues its domain events (OrderPlaced, StockLow) in the
   * outbox. Throws OutOfStockError naming every short SKU and InvalidInputError for unknown SKUs or
   * mixed currencies; nothing is written then.
   */
  place(customer: OrderCustomer, lines: OrderLineInput[]): Promise<PlacedOrder>;
  get(orderId: string): Promise<Order | undefined>;
  listByCustomer(customerId: string, limit: number, cursor?: string): Promise<OrderPage>;
}
