// The catalog outbox (migrations/003-catalog-outbox.sql, PostgresCatalogOutbox) in a database of its
// own, migrated like the stack's, so that the stack's projectCatalog schedule cannot drain it under
// the test: every products statement queues its SKUs, a drain hands over the current state and
// dequeues only after the projection succeeded, and a change committed during a drain is queued again.
import { Client, Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { PostgresCatalogImportLoader } from '../../shared/adapters/postgres/catalog-import-loader';
import { PostgresCatalogOutbox } from '../../shared/adapters/postgres/catalog-outbox';
import { migrate } from '../../shared/adapters/postgres/migrator';
import { PostgresOrderStore } from '../../shared/adapters/postgres/order-store';
import { PostgresProductRepository } from '../../shared/adapters/postgres/product-repository';
import type { CatalogEntry } from '../../shared/catalog/catalog-ports';
import { changedBy } from '../../shared/catalog/changed-by';

const database = `outbox_${process.pid}`;
let pool: Pool;
let outbox: PostgresCatalogOutbox;
let products: PostgresProductRepository;

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const url = new URL(process.env.SHELF_TEST_DATABASE_URL!);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await admin((c) => c.query(`CREATE DATABASE ${database}`));
  const url = new URL(process.env.SHELF_TEST_DATABASE_URL!);
  url.pathname = `/${database}`;
  pool = new Pool({ connectionString: url.toString(), max: 4 });
  await migrate(pool);
  outbox = new PostgresCatalogOutbox(pool);
  products = new PostgresProductRepository(pool);
});

afterAll(async () => {
  await pool.end();
  await admin((c) => c.query(`DROP DATABASE ${database}`));
});

beforeEach(() =>
  pool.query('TRUNCATE catalog_outbox, order_lines, orders, products, import_chunks, import_progress CASCADE'),
);

const input = { name: 'Sencha', description: '', category: 'tea', priceCents: 1200, currency: 'EUR', stock: 5 };
const by = changedBy.admin('admin-1');
const queued = async () =>
  (await pool.query<{ sku: string }>('SELECT sku FROM catalog_outbox ORDER BY sku')).rows.map((r) => r.sku);

/** A projection that records what it was handed. */
function recorder() {
  const projected: CatalogEntry[][] = [];
  return { projected, project: (entries: CatalogEntry[]) => (projected.push(entries), Promise.resolve()) };
}

describe('the catalog outbox', () => {
  it('queues every product an upsert, a delete or an order changes, once each', async () => {
    await products.upsert('A-1', input, by);
    await products.upsert('A-1', { ...input, stock: 6 }, by);
    await products.upsert('B-1', input, by);
    await products.remove('B-1', by);
    await pool.query('TRUNCATE catalog_outbox');
    const { order } = await new PostgresOrderStore(pool).place({ id: 'customer-1' }, [{ sku: 'A-1', quantity: 2 }]);

    expect(await queued()).toEqual(['A-1']);
    const { rows } = await pool.query('SELECT changed_by FROM products WHERE sku = $1', ['A-1']);
    expect(rows).toEqual([{ changed_by: changedBy.order(order.orderId) }]);
    await products.upsert('C-1', input, by);
    expect(await queued()).toEqual(['A-1', 'C-1']);
  });

  it("queues each SKU of an import chunk once, the new products and the changed ones, in the chunk's transaction", async () => {
    await products.upsert('A-1', input, by);
    await products.upsert('B-1', input, by);
    await pool.query('TRUNCATE catalog_outbox');
    const importId = '01900000-0000-7000-8000-000000000001';
    const chunk = {
      importId,
      chunk: 1,
      rows: ['A-1', 'C-1', 'B-1', 'D-1'].map((sku, i) => ({ row: i + 1, sku, ...input, name: `Imported ${sku}` })),
    };

    // A's and B's rows are older than the admin's writes (source_row 0 of a later source): only C and D change.
    const loaded = await new PostgresCatalogImportLoader(pool).load(chunk, []);

    expect(loaded.rowsLoaded).toBe(4);
    expect(await queued()).toEqual(['C-1', 'D-1']);
    // A newer import changes all four and adds E in one statement: each is queued once (C and D
    // were queued already, so the trigger's plain insert gives way to its ON CONFLICT insert).
    const rows = [...chunk.rows, { row: 5, sku: 'E-1', ...input }];
    await new PostgresCatalogImportLoader(pool).load({ importId: uuidv7(), chunk: 1, rows }, []);
    expect(await queued()).toEqual(['A-1', 'B-1', 'C-1', 'D-1', 'E-1']);
  });

  it('hands over the current state (deletions as such) with who changed it, and dequeues after a successful projection', async () => {
    await products.upsert('A-1', input, by);
    await products.upsert('A-1', { ...input, stock: 9 }, by);
    await products.upsert('B-1', input, by);
    await products.remove('B-1', by);
    const { projected, project } = recorder();

    await expect(outbox.drain(project, { limit: 10 })).resolves.toBe(2);

    const entries = projected.flat().sort((a, b) => a.sku.localeCompare(b.sku));
    expect(entries).toEqual([
      expect.objectContaining({ sku: 'A-1', stock: 9, version: 2, changedBy: 'admin:admin-1' }),
      { sku: 'B-1', version: 2, deleted: true, deletedAt: expect.any(String), changedBy: 'admin:admin-1' },
    ]);
    expect(await queued()).toEqual([]);
  });

  it('keeps everything queued when the projection fails', async () => {
    await products.upsert('A-1', input, by);

    await expect(outbox.drain(() => Promise.reject(new Error('DynamoDB down')), { limit: 10 })).rejects.toThrow(
      'DynamoDB down',
    );

    expect(await queued()).toEqual(['A-1']);
  });

  it('drains only the SKUs asked for, and skips those another drain holds', async () => {
    await products.upsert('A-1', input, by);
    await products.upsert('B-1', input, by);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = recorder();
    const holding = outbox.drain(async (entries) => (first.project(entries), held), { skus: ['A-1'], limit: 1 });
    while (first.projected.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));

    const second = recorder();
    await expect(outbox.drain(second.project, { limit: 10 })).resolves.toBe(1);
    release();
    await holding;

    expect(first.projected.flat().map((e) => e.sku)).toEqual(['A-1']);
    expect(second.projected.flat().map((e) => e.sku)).toEqual(['B-1']);
    expect(await queued()).toEqual([]);
  });

  it('queues again a change committed while a drain was projecting the older state', async () => {
    await products.upsert('A-1', input, by);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const drained = recorder();
    const draining = outbox.drain(async (entries) => (drained.project(entries), held), { limit: 10 });
    while (drained.projected.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));

    // The writer's outbox row waits for the drain to commit, then queues the SKU again.
    const writing = products.upsert('A-1', { ...input, stock: 1 }, by);
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await draining;
    await writing;

    expect(drained.projected.flat()).toEqual([expect.objectContaining({ sku: 'A-1', stock: 5, version: 1 })]);
    expect(await queued()).toEqual(['A-1']);
    const next = recorder();
    await outbox.drain(next.project, { limit: 10 });
    expect(next.projected.flat()).toEqual([expect.objectContaining({ sku: 'A-1', stock: 1, version: 2 })]);
  });

  it('queues every product for an empty read model, and counts what is pending', async () => {
    await products.upsert('A-1', input, by);
    await products.upsert('B-1', input, by);
    await outbox.drain(recorder().project, { limit: 10 });

    await expect(outbox.queueAll()).resolves.toBe(2);
    await expect(outbox.pending()).resolves.toBe(2);
  });
});
