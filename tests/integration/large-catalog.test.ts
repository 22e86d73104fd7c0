// A large catalog through a local stack of its own (own-stack.ts): a catalog of 150,000 more
// products would slow the other tests' catalog searches (a scan), and the stack is restarted.
// - The first start projects a catalog of 50,000 products already in PostgreSQL into the empty read
//   model, saying how far it has got while it does.
// - A 100,000-row import (about 4.7 MB, 50 chunks; half of what the pipeline is sized for locally,
//   docs/imports.md, so that `npm test` stays within CI's time) goes through the stack (presigned
//   upload, S3 trigger, file processor, SQS, ETL worker) to COMPLETED, with PostgreSQL and the
//   DynamoDB read model agreeing on every product afterwards. One row carries a NUL: it alone is
//   rejected, its neighbours load.
// - Ctrl-C, and the next start projects nothing again, because DynamoDB Local keeps its data and the
//   catalog outbox is empty, whatever the catalog's size.
// The three share one stack, in this order, because each stack start bundles every function again.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Pool } from 'pg';
import { migrate } from '../../shared/adapters/postgres/migrator';
import { api, postForm, until } from './helpers';
import { ownStackData, startOwnStack, type OwnStack } from './own-stack';

/** Products in PostgreSQL before the first start. */
const products = 50_000;
const rowCount = 100_000;
const nulRow = 73_457;

let data: Awaited<ReturnType<typeof ownStackData>>;
let shelf: OwnStack;
let pool: Pool;

beforeAll(async () => {
  data = await ownStackData('large');
  pool = new Pool({ connectionString: data.databaseUrl, max: 2 });
  await migrate(pool);
  await pool.query(
    `INSERT INTO products (sku, name, description, category, price_cents, currency, stock)
     SELECT 'BIG-' || n, 'Product ' || n, '', 'big', n % 5000, 'EUR', n % 7 FROM generate_series(1, $1) AS n`,
    [products],
  );
  shelf = await startOwnStack(data);
}, 330_000);

afterAll(async () => {
  await pool?.end();
  await shelf?.stop();
  await data?.remove();
});

const adminToken = () => shelf.tokenFor('admin');
const db = () => pool;

function catalogFile(p: string): string {
  const lines = ['sku,name,description,category,price,currency,stock'];
  for (let i = 1; i <= rowCount; i++) {
    const name = i === nulRow ? `Product\u0000${i}` : `Product ${i}`;
    lines.push(
      `${p}-${i},${name},Loaded by the large import test,large-${i % 20},${1 + Math.floor((i % 9000) / 100)}.${String(i % 100).padStart(2, '0')},EUR,${i % 50}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

interface Job {
  status: string;
  rowsRead?: number;
  rowsRejected?: number;
  rowsLoaded?: number;
  rowsRefused?: number;
  chunksSent?: number;
  failureReason?: string;
}

/** Every product of the import in the read model: sku → version and stock. */
async function readModel(p: string): Promise<Map<string, string>> {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: shelf.stack.endpoints.dynamodb,
      region: shelf.stack.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const items = new Map<string, string>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: shelf.stack.resources.CatalogTable!.ref,
        FilterExpression: 'begins_with(sku, :p) AND attribute_not_exists(deletedAt)',
        ProjectionExpression: 'sku, version, stock',
        ExpressionAttributeValues: { ':p': `${p}-` },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) items.set(item.sku as string, `${item.version}/${item.stock}`);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  client.destroy();
  return items;
}

it(`projects ${products.toLocaleString('en')} products into an empty read model at its first start`, async () => {
  expect(shelf.lines().find((l) => l.includes('from the outbox'))).toMatch(
    new RegExp(`catalog read model: ${products + 8} projected from the outbox`),
  );
  expect(shelf.lines().some((l) => / products projected…$/.test(l))).toBe(true);
  expect((await api('GET', '/products/BIG-49999', { baseUrl: shelf.apiUrl })).body).toMatchObject({ stock: 49999 % 7 });
});

it(
  `imports ${rowCount.toLocaleString('en')} rows to COMPLETED, PostgreSQL and DynamoDB agreeing`,
  async () => {
    const p = `LG${Date.now().toString(36).toUpperCase()}`;
    const content = catalogFile(p);
    const started = Date.now();
    const created = await api<{ importId: string; upload: { url: string; fields: Record<string, string> } }>(
      'POST',
      '/imports',
      { baseUrl: shelf.apiUrl, token: adminToken(), body: { fileName: 'large.csv', contentType: 'text/csv' } },
    );
    expect(created.status).toBe(201);
    const upload = await postForm(created.body.upload.url, created.body.upload.fields, content);
    expect(upload.status).toBe(204);

    const job = await until(
      'the large import to finish',
      async () => {
        // A poll that meets a connection the busy local API server just closed is simply retried.
        const job = await api<Job>('GET', `/imports/${created.body.importId}`, {
          baseUrl: shelf.apiUrl,
          token: adminToken(),
        }).catch(() => undefined);
        return job && ['COMPLETED', 'PARTIALLY_LOADED', 'FAILED'].includes(job.body.status) ? job.body : undefined;
      },
      12 * 60_000,
    );
    console.log(`${rowCount} rows imported in ${((Date.now() - started) / 1000).toFixed(0)} s`);

    expect(job).toMatchObject({
      status: 'COMPLETED',
      rowsRead: rowCount,
      rowsRejected: 1,
      rowsLoaded: rowCount - 1,
      rowsRefused: 0,
    });
    const { rows } = await db().query<{ sku: string; version: string; stock: number }>(
      'SELECT sku, version, stock FROM products WHERE sku LIKE $1',
      [`${p}-%`],
    );
    expect(rows).toHaveLength(rowCount - 1);
    expect(rows.some((r) => r.sku === `${p}-${nulRow}`)).toBe(false);
    const inPostgres = new Map(rows.map((r) => [r.sku, `${r.version}/${r.stock}`]));
    // The read model follows through the outbox; give it until it has every product.
    const inDynamo = await until(
      'the read model to hold every imported product',
      async () => {
        const items = await readModel(p);
        return items.size === inPostgres.size ? items : undefined;
      },
      3 * 60_000,
    );
    expect(inDynamo).toEqual(inPostgres);
  },
  20 * 60_000,
);

it(`restarts with ${(products + rowCount).toLocaleString('en')} products without projecting them again`, async () => {
  // What the restart must not do again: the scheduled projection has emptied the outbox.
  await until('the catalog outbox to be empty', async () => {
    const { rows } = await db().query<{ n: string }>('SELECT count(*) AS n FROM catalog_outbox');
    return rows[0]!.n === '0' ? true : undefined;
  });
  await shelf.stop();
  shelf = await startOwnStack(data);
  expect(shelf.lines().find((l) => l.includes('from the outbox'))).toMatch(
    /demo data: 0 products added; catalog read model: 0 projected from the outbox/,
  );
  expect((await api('GET', '/products/BIG-1', { baseUrl: shelf.apiUrl })).body).toMatchObject({ name: 'Product 1' });
}, 330_000);
