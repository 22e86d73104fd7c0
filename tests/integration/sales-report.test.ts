// The nightly sales report through the local stack: orders of a day in PostgreSQL → the
// buildSalesReport function (invoked with a schedule's event naming that day) → the local S3 →
// GET /reports and GET /reports/{date} → the CSV behind the download link. The days are far in the
// past and picked at random, so that no other test's orders fall on them.
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { invokeFunction } from '../../infra/local/lambda/invoke';
import type { ReportWithDownloads } from '../../shared/reports/sales-report';
import scheduleSample from '../fixtures/events/eventbridge-scheduled-event.json';
import { adminToken, api, closeDb, createProduct, db, tokenFor, uniqueSku } from './helpers';

const dayMs = 24 * 60 * 60 * 1000;
/** A random day between 1990 and 1999 (no order is ever placed then), YYYY-MM-DD. */
const randomPastDay = () =>
  new Date(Date.UTC(1990, 0, 1) + Math.floor(Math.random() * 3650) * dayMs).toISOString().slice(0, 10);

const buildReport = (date: string) =>
  invokeFunction(process.env.SHELF_TEST_LAMBDA_URL!, 'shelf-local-buildSalesReport', {
    ...structuredClone(scheduleSample),
    id: randomUUID(),
    detail: { date },
  });

async function insertOrder(
  createdAt: string,
  currency: string,
  lines: { sku: string; price: number; quantity: number }[],
) {
  const orderId = randomUUID();
  const total = lines.reduce((sum, l) => sum + l.price * l.quantity, 0);
  await db().query(
    `INSERT INTO orders (order_id, customer_id, status, currency, total_cents, created_at)
     VALUES ($1, 'it-sales-report', 'PLACED', $2, $3, $4)`,
    [orderId, currency, total, createdAt],
  );
  for (const [i, l] of lines.entries()) {
    await db().query(
      `INSERT INTO order_lines (order_id, line_no, sku, name, unit_price_cents, quantity) VALUES ($1, $2, $3, $4, $5, $6)`,
      [orderId, i + 1, l.sku, `Product ${l.sku}`, l.price, l.quantity],
    );
  }
}

afterAll(() => closeDb());

describe('the sales report', () => {
  it("finds a day's orders through an index, not by reading every order ever placed", async () => {
    const client = await db().connect();
    try {
      await client.query('BEGIN');
      // Tables this small are read whole anyway: the question is whether anything else is possible.
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (FORMAT JSON) SELECT currency, count(*) FROM orders
         WHERE created_at >= $1 AND created_at < $2 GROUP BY currency`,
        ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'],
      );
      expect(JSON.stringify(rows[0]!['QUERY PLAN'])).toContain('"Index Name":"orders_created_at"');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  const day = randomPastDay();
  const category = `it-report-${randomUUID().slice(0, 8)}`;
  const mug = uniqueSku('RPT');
  const kettle = uniqueSku('RPT');
  const dollarMug = uniqueSku('RPT');
  // Sorts before every other SKU: among the first stock-outs the report names.
  const soldOut = uniqueSku('00RPT');

  beforeAll(async () => {
    await createProduct(mug, { category, priceCents: 1_000, currency: 'EUR' });
    await createProduct(kettle, { category: `${category}-b`, priceCents: 4_200, currency: 'EUR' });
    await createProduct(dollarMug, { category, priceCents: 500, currency: 'USD' });
    await createProduct(soldOut, { category, stock: 0 });
    // A rerun of the test on the same day would otherwise count its orders twice.
    await db().query(`DELETE FROM orders WHERE created_at >= $1::date AND created_at < $1::date + 1`, [day]);
    await insertOrder(`${day}T00:00:00Z`, 'EUR', [{ sku: mug, price: 1_000, quantity: 2 }]);
    await insertOrder(`${day}T23:59:59.999Z`, 'EUR', [
      { sku: mug, price: 1_000, quantity: 1 },
      { sku: kettle, price: 4_200, quantity: 1 },
    ]);
    await insertOrder(`${day}T12:00:00Z`, 'USD', [{ sku: dollarMug, price: 500, quantity: 5 }]);
    // Just outside the day, on both sides.
    const before = new Date(new Date(`${day}T00:00:00Z`).getTime() - 1).toISOString();
    await insertOrder(before, 'EUR', [{ sku: mug, price: 1_000, quantity: 7 }]);
    await insertOrder(new Date(new Date(`${day}T00:00:00Z`).getTime() + dayMs).toISOString(), 'EUR', [
      { sku: kettle, price: 4_200, quantity: 9 },
    ]);
  });

  it("sums the day's orders per currency and category, ranks its products, and hands out its CSV", async () => {
    const invocation = await buildReport(day);
    expect(invocation.functionError).toBeUndefined();
    expect(invocation.payload).toMatchObject({ date: day, orders: 3 });

    const { status, body } = await api<ReportWithDownloads>('GET', `/reports/${day}`, { token: adminToken() });

    expect(status).toBe(200);
    expect(body.currencies).toEqual([
      { currency: 'EUR', orders: 2, revenueCents: 7_200 },
      { currency: 'USD', orders: 1, revenueCents: 2_500 },
    ]);
    expect(body.categories).toEqual([
      { category: `${category}-b`, currency: 'EUR', units: 1, revenueCents: 4_200 },
      { category, currency: 'EUR', units: 3, revenueCents: 3_000 },
      { category, currency: 'USD', units: 5, revenueCents: 2_500 },
    ]);
    expect(body.topProducts.map((p) => [p.sku, p.units, p.revenueCents])).toEqual([
      [dollarMug, 5, 2_500],
      [mug, 3, 3_000],
      [kettle, 1, 4_200],
    ]);
    expect(body.stockOuts.items).toContainEqual({ sku: soldOut, name: `Product ${soldOut}`, category });

    // The link is S3's own (the local S3 here), signed, and works without any other credential.
    const csv = await fetch(body.downloads.csv);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="sales-${day}.csv"`);
    const rows: Record<string, string>[] = parse(await csv.text(), { columns: true });
    expect(rows.map((r) => [r.sku, r.currency, r.orders, r.units, r.revenue_cents])).toEqual(
      [
        [mug, 'EUR', '2', '3', '3000'],
        [kettle, 'EUR', '1', '1', '4200'],
        [dollarMug, 'USD', '1', '5', '2500'],
      ].sort(([a], [b]) => a!.localeCompare(b!)),
    );
    const html = await fetch(body.downloads.html);
    expect(await html.text()).toContain(`Shelf sales report for ${day}`);

    const list = await api<{ items: { date: string }[] }>('GET', '/reports', { token: adminToken() });
    expect(list.status).toBe(200);
    expect(list.body.items.map((r) => r.date)).toContain(day);
  });

  it('builds an empty but valid report for a day with no orders', async () => {
    const quiet = `198${randomPastDay().slice(3)}`;

    const invocation = await buildReport(quiet);

    expect(invocation.payload).toMatchObject({ date: quiet, orders: 0, currencies: [] });
    const { body } = await api<ReportWithDownloads>('GET', `/reports/${quiet}`, { token: adminToken() });
    expect(body).toMatchObject({ orders: 0, currencies: [], categories: [], topProducts: [] });
    const csv = await (await fetch(body.downloads.csv)).text();
    expect(parse(csv)).toEqual([['date', 'sku', 'name', 'category', 'currency', 'orders', 'units', 'revenue_cents']]);
  });

  it('replaces the report when the day is built again: the earlier files are gone', async () => {
    await buildReport(day);
    const { body: first } = await api<ReportWithDownloads>('GET', `/reports/${day}`, { token: adminToken() });

    await buildReport(day);

    const { body: second } = await api<ReportWithDownloads>('GET', `/reports/${day}`, { token: adminToken() });
    expect(second.buildId).not.toBe(first.buildId);
    expect({ ...second, buildId: '', builtAt: '', downloads: null }).toEqual({
      ...first,
      buildId: '',
      builtAt: '',
      downloads: null,
    });
    expect((await fetch(first.downloads.csv)).status).toBe(404);
    expect((await fetch(second.downloads.csv)).status).toBe(200);
  });

  it('refuses a bad day with a 400 naming it, answers 404 for a day with no report, and is for admins only', async () => {
    const bad = await api('GET', '/reports/2026-02-30', { token: adminToken() });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { details: [{ field: 'date' }] } });
    expect((await api('GET', '/reports/1970-01-02', { token: adminToken() })).status).toBe(404);
    expect((await api('GET', '/reports', { token: tokenFor('shopper') })).status).toBe(403);
    expect((await api('GET', '/reports')).status).toBe(401);
  });

  it('still serves GET /reports/trending, a public route beside /reports/{date}', async () => {
    const { status, body } = await api<{ items: unknown[] }>('GET', '/reports/trending?minutes=5');

    expect(status).toBe(200);
    expect(Array.isArray(body.items)).toBe(true);
  });

  it('fails an event naming a day that does not exist, naming detail.date', async () => {
    const invocation = await buildReport('1999-02-29');

    expect(invocation.functionError).toBeDefined();
    expect(JSON.stringify(invocation.payload)).toContain('does not name a day');
  });
});
