// A large import: 100,000 rows (about 4.7 MB, 50 chunks; half of what the
// pipeline is sized for locally, docs/imports.md, so that `npm test` stays within CI's time)
// through the local stack (presigned upload, S3 trigger, file processor, SQS, ETL worker) to
// COMPLETED, with PostgreSQL and the DynamoDB read model agreeing on every product afterwards. One
// row carries a NUL: it alone is rejected, its neighbours load. A stack of its own (own-stack.ts):
// a catalog of 100,000 more products would slow the other tests' catalog searches (a scan).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Pool } from 'pg';
import { api, postForm, until } from './helpers';
import { ownStackData, startOwnStack, type OwnStack } from './own-stack';

const rowCount = 100_000;
const nulRow = 73_457;

let data: Awaited<ReturnType<typeof ownStackData>>;
let shelf: OwnStack;
let pool: Pool;

beforeAll(async () => {
  data = await ownStackData('large');
  shelf = await startOwnStack(data);
  pool = new Pool({ connectionString: data.databaseUrl, max: 2 });
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
