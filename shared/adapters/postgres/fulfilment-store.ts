/**
 * The order fulfilment's status transitions in PostgreSQL (migrations/010-order-fulfilment.sql).
 * Each UPDATE names the status it moves the order from, so a repeated step changes nothing; the
 * order is then read as it stands and judged (already there, or not movable).
 */
import type { Pool } from 'pg';
import { changedBy } from '../../catalog/changed-by';
import { OrderNotFulfillableError } from '../../fulfilment/fulfilment';
import type { FulfilmentStore } from '../../fulfilment/fulfilment-ports';
import type { Order } from '../../orders/order';
import { inTransaction, selectOrders, toOrder, type OrderRow } from './order-store';

export class PostgresFulfilmentStore implements FulfilmentStore {
  constructor(private readonly pool: Pool) {}

  async get(orderId: string): Promise<Order | undefined> {
    const { rows } = await this.pool.query<OrderRow>(`${selectOrders} WHERE o.order_id = $1 GROUP BY o.order_id`, [
      orderId,
    ]);
    return rows[0] ? toOrder(rows[0]) : undefined;
  }

  /**
   * Runs one guarded UPDATE (parameters: the order id, then the value it records), then reads the
   * order as it stands: it must now be in one of `reached` (moved now, or already there before).
   */
  private async transition(orderId: string, update: string, value: string, reached: Order['status'][], what: string) {
    await this.pool.query(update, [orderId, value]);
    const order = await this.get(orderId);
    if (!order) throw new OrderNotFulfillableError(`Order ${orderId} does not exist`);
    if (!reached.includes(order.status)) {
      throw new OrderNotFulfillableError(`Order ${orderId} is ${order.status}; it cannot be marked ${what}`);
    }
    return order;
  }

  markPaid(orderId: string, chargeId: string): Promise<Order> {
    return this.transition(
      orderId,
      `UPDATE orders SET status = 'PAID', charge_id = $2, status_changed_at = now()
       WHERE order_id = $1 AND status = 'PLACED'`,
      chargeId,
      ['PAID', 'SHIPPED'],
      'paid',
    );
  }

  markShipped(orderId: string, trackingId: string): Promise<Order> {
    return this.transition(
      orderId,
      `UPDATE orders SET status = 'SHIPPED', tracking_id = $2, status_changed_at = now()
       WHERE order_id = $1 AND status = 'PAID'`,
      trackingId,
      ['SHIPPED'],
      'shipped',
    );
  }

  cancel(orderId: string, reason: string): Promise<{ order: Order; released: string[] }> {
    return inTransaction(this.pool, async (client) => {
      // The order's row lock makes a concurrent cancel wait, then see CANCELLED: stock comes back once.
      const { rows } = await client.query<{ status: Order['status'] }>(
        'SELECT status FROM orders WHERE order_id = $1 FOR UPDATE',
        [orderId],
      );
      const status = rows[0]?.status;
      if (status === undefined) throw new OrderNotFulfillableError(`Order ${orderId} does not exist`);
      if (status === 'SHIPPED')
        throw new OrderNotFulfillableError(`Order ${orderId} is SHIPPED; it cannot be cancelled`);
      let released: string[] = [];
      if (status !== 'CANCELLED') {
        // Lock the products in SKU order, as placing an order does, so the two cannot deadlock.
        await client.query(
          `SELECT 1 FROM products WHERE sku IN (SELECT sku FROM order_lines WHERE order_id = $1)
           ORDER BY sku FOR UPDATE`,
          [orderId],
        );
        const { rows: restocked } = await client.query<{ sku: string }>(
          `UPDATE products p SET stock = p.stock + l.quantity, version = p.version + 1, updated_at = now(),
             changed_by = $2
           FROM order_lines l
           WHERE l.order_id = $1 AND p.sku = l.sku
           RETURNING p.sku`,
          [orderId, changedBy.orderCancelled(orderId)],
        );
        released = restocked.map((row) => row.sku).sort();
        await client.query(
          `UPDATE orders SET status = 'CANCELLED', cancellation_reason = $2, stock_released_at = now(),
             status_changed_at = now()
           WHERE order_id = $1`,
          [orderId, reason],
        );
      }
      const { rows: orders } = await client.query<OrderRow>(
        `${selectOrders} WHERE o.order_id = $1 GROUP BY o.order_id`,
        [orderId],
      );
      return { order: toOrder(orders[0]!), released };
    });
  }
}
