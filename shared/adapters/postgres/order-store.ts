/**
 * Orders in PostgreSQL: stock is reserved, the order recorded and its domain events queued in the
 * outbox (domain-event-outbox.ts) in one transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { changedBy } from '../../catalog/changed-by';
import { InvalidInputError, OutOfStockError, type Shortage } from '../../errors';
import type { DomainEvent } from '../../events/domain-event';
import { orderPlaced } from '../../events/order-placed';
import { fallsBelowThreshold, stockLow } from '../../events/stock-low';
import type { Order, OrderCustomer, OrderLine, OrderLineInput, OrderPage } from '../../orders/order';
import type { OrderStore, PlacedOrder } from '../../orders/order-ports';
import { queueDomainEvents } from './domain-event-outbox';

export interface OrderRow {
  order_id: string;
  seq: string;
  customer_id: string;
  status: Order['status'];
  currency: string;
  total_cents: string;
  created_at: Date;
  tracking_id: string | null;
  cancellation_reason: string | null;
  lines: OrderLine[];
}

/** Orders with their lines (fulfilment-store.ts reads them the same way). */
export const selectOrders = `
  SELECT o.order_id, o.seq, o.customer_id, o.status, o.currency, o.total_cents, o.created_at,
         o.tracking_id, o.cancellation_reason,
         json_agg(json_build_object(
           'sku', l.sku, 'name', l.name, 'quantity', l.quantity,
           'unitPriceCents', l.unit_price_cents, 'lineTotalCents', l.unit_price_cents * l.quantity
         ) ORDER BY l.line_no) AS lines
  FROM orders o JOIN order_lines l USING (order_id)`;

export function toOrder(row: OrderRow): Order {
  return {
    orderId: row.order_id,
    customerId: row.customer_id,
    status: row.status,
    totalCents: Number(row.total_cents),
    currency: row.currency,
    lines: row.lines,
    createdAt: row.created_at.toISOString(),
    trackingId: row.tracking_id,
    cancellationReason: row.cancellation_reason,
  };
}

export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export class PostgresOrderStore implements OrderStore {
  constructor(private readonly pool: Pool) {}

  place(customer: OrderCustomer, lines: OrderLineInput[]): Promise<PlacedOrder> {
    const customerId = customer.id;
    return inTransaction(this.pool, async (client) => {
      const skus = lines.map((line) => line.sku);
      // Lock the rows in one order (by SKU) so two orders for overlapping SKUs cannot deadlock;
      // a competing order waits here until this one commits, then sees the stock that is left.
      const { rows: products } = await client.query<{
        sku: string;
        name: string;
        price_cents: number;
        currency: string;
        stock: number;
        category: string;
        low_stock_threshold: number;
      }>(
        `SELECT sku, name, price_cents, currency, stock, category, low_stock_threshold FROM products
         WHERE sku = ANY($1::text[]) AND deleted_at IS NULL ORDER BY sku FOR UPDATE`,
        [skus],
      );
      const bySku = new Map(products.map((p) => [p.sku, p]));

      const unknown = lines.flatMap((line, i) =>
        bySku.has(line.sku) ? [] : [{ field: `lines.${i}.sku`, message: `unknown product ${line.sku}` }],
      );
      if (unknown.length > 0) throw new InvalidInputError('Order names products that do not exist', unknown);

      const currencies = new Set(products.map((p) => p.currency));
      if (currencies.size > 1) {
        throw new InvalidInputError('All products of one order must have the same currency', [
          { field: 'lines', message: `mixes ${[...currencies].sort().join(', ')}` },
        ]);
      }

      const shortages: Shortage[] = lines.flatMap((line) => {
        const available = bySku.get(line.sku)!.stock;
        return available < line.quantity ? [{ sku: line.sku, requested: line.quantity, available }] : [];
      });
      if (shortages.length > 0) throw new OutOfStockError(shortages);

      // The catalog outbox's trigger queues these SKUs for the read model in this transaction.
      const orderId = randomUUID();
      await client.query(
        `UPDATE products p SET stock = p.stock - v.quantity, version = p.version + 1, updated_at = now(),
           changed_by = $3
         FROM unnest($1::text[], $2::int[]) AS v(sku, quantity)
         WHERE p.sku = v.sku`,
        [skus, lines.map((line) => line.quantity), changedBy.order(orderId)],
      );

      const orderLines: OrderLine[] = lines.map((line) => {
        const product = bySku.get(line.sku)!;
        return {
          sku: line.sku,
          name: product.name,
          quantity: line.quantity,
          unitPriceCents: product.price_cents,
          lineTotalCents: product.price_cents * line.quantity,
        };
      });
      const totalCents = orderLines.reduce((sum, line) => sum + line.lineTotalCents, 0);
      const { rows } = await client.query<{ created_at: Date }>(
        `INSERT INTO orders (order_id, customer_id, customer_email, status, currency, total_cents)
         VALUES ($1, $2, $3, 'PLACED', $4, $5) RETURNING created_at`,
        [orderId, customerId, customer.email ?? null, products[0]!.currency, totalCents],
      );
      await client.query(
        `INSERT INTO order_lines (order_id, line_no, sku, name, unit_price_cents, quantity)
         SELECT $1, n, sku, name, price, quantity
         FROM unnest($2::text[], $3::text[], $4::int[], $5::int[]) WITH ORDINALITY AS l(sku, name, price, quantity, n)`,
        [
          orderId,
          orderLines.map((l) => l.sku),
          orderLines.map((l) => l.name),
          orderLines.map((l) => l.unitPriceCents),
          orderLines.map((l) => l.quantity),
        ],
      );

      const order: Order = {
        orderId,
        customerId,
        status: 'PLACED',
        totalCents,
        currency: products[0]!.currency,
        lines: orderLines,
        createdAt: rows[0]!.created_at.toISOString(),
        trackingId: null,
        cancellationReason: null,
      };
      const events = [
        orderPlaced({
          orderId,
          customer: { id: customerId, email: customer.email ?? null },
          lines: orderLines,
          totalCents,
          currency: order.currency,
          placedAt: order.createdAt,
        }),
        ...lowStockEvents(lines, products, order),
      ];
      await queueDomainEvents(client, events);
      return { order, eventIds: events.map((event) => event.detail.eventId) };
    });
  }

  async get(orderId: string): Promise<Order | undefined> {
    const { rows } = await this.pool.query<OrderRow>(`${selectOrders} WHERE o.order_id = $1 GROUP BY o.order_id`, [
      orderId,
    ]);
    return rows[0] ? toOrder(rows[0]) : undefined;
  }

  async listByCustomer(customerId: string, limit: number, cursor?: string): Promise<OrderPage> {
    const before = cursor === undefined ? null : decodeSeq(cursor);
    const { rows } = await this.pool.query<OrderRow>(
      `${selectOrders}
       WHERE o.customer_id = $1 AND ($2::bigint IS NULL OR o.seq < $2::bigint)
       GROUP BY o.order_id ORDER BY o.seq DESC LIMIT $3`,
      [customerId, before, limit + 1],
    );
    const page = rows.slice(0, limit);
    const nextCursor = rows.length > limit ? Buffer.from(page.at(-1)!.seq).toString('base64url') : null;
    return { items: page.map(toOrder), nextCursor };
  }
}

/** StockLow for each product this order took from at or above its threshold to below it. */
function lowStockEvents(
  lines: OrderLineInput[],
  products: { sku: string; name: string; category: string; stock: number; low_stock_threshold: number }[],
  order: Order,
): DomainEvent[] {
  return products.flatMap((product) => {
    const taken = lines.find((line) => line.sku === product.sku)!.quantity;
    if (!fallsBelowThreshold(product.stock, taken, product.low_stock_threshold)) return [];
    return [
      stockLow({
        sku: product.sku,
        name: product.name,
        category: product.category,
        stock: product.stock - taken,
        threshold: product.low_stock_threshold,
        orderId: order.orderId,
        occurredAt: order.createdAt,
      }),
    ];
  });
}

function decodeSeq(cursor: string): string {
  const seq = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[1-9][0-9]{0,18}$/.test(seq)) {
    throw new InvalidInputError('Invalid cursor', [
      { field: 'cursor', message: 'is not a cursor returned by this API' },
    ]);
  }
  return seq;
}
