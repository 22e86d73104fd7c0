/**
 * A day's sales from PostgreSQL (orders, order_lines, products: migrations/001-products-and-orders.sql).
 * The three queries run in one read-only REPEATABLE READ transaction: one snapshot, so the totals
 * per currency and the lines per product agree even while orders keep arriving.
 */
import type { Pool } from 'pg';
import type { SalesFigures } from '../../reports/report-ports';
import type { CurrencySales, DaySales, ProductSales, StockOut } from '../../reports/sales-report';
import { stockOutsListed } from '../../reports/sales-report';

// bigint sums come back as strings from node-postgres; they are converted once, below.
const currenciesSql = `
  SELECT currency, count(*)::int AS orders, sum(total_cents)::bigint AS revenue_cents
  FROM orders WHERE created_at >= $1 AND created_at < $2
  GROUP BY currency`;
// The product's name and category as they are now (order lines keep the name as ordered, but not
// the category); quantity is widened before multiplying, an int4 product could overflow.
const productsSql = `
  SELECT l.sku, p.name, p.category, o.currency, count(DISTINCT o.order_id)::int AS orders,
         sum(l.quantity)::bigint AS units, sum(l.quantity::bigint * l.unit_price_cents)::bigint AS revenue_cents
  FROM orders o JOIN order_lines l USING (order_id) JOIN products p USING (sku)
  WHERE o.created_at >= $1 AND o.created_at < $2
  GROUP BY l.sku, p.name, p.category, o.currency`;
const stockOutsSql = `
  SELECT sku, name, category, count(*) OVER ()::int AS total
  FROM products WHERE stock = 0 AND deleted_at IS NULL
  ORDER BY sku LIMIT $1`;

export class PostgresSalesFigures implements SalesFigures {
  constructor(private readonly pool: Pool) {}

  async daySales(start: Date, end: Date): Promise<DaySales> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const currencies = await client.query<{ currency: string; orders: number; revenue_cents: string }>(
        currenciesSql,
        [start, end],
      );
      const products = await client.query<{
        sku: string;
        name: string;
        category: string;
        currency: string;
        orders: number;
        units: string;
        revenue_cents: string;
      }>(productsSql, [start, end]);
      const stockOuts = await client.query<StockOut & { total: number }>(stockOutsSql, [stockOutsListed]);
      await client.query('COMMIT');
      return {
        currencies: currencies.rows.map((r): CurrencySales => ({
          currency: r.currency,
          orders: r.orders,
          revenueCents: Number(r.revenue_cents),
        })),
        products: products.rows.map((r): ProductSales => ({
          sku: r.sku,
          name: r.name,
          category: r.category,
          currency: r.currency,
          orders: r.orders,
          units: Number(r.units),
          revenueCents: Number(r.revenue_cents),
        })),
        stockOuts: {
          count: stockOuts.rows[0]?.total ?? 0,
          items: stockOuts.rows.map(({ sku, name, category }) => ({ sku, name, category })),
        },
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
