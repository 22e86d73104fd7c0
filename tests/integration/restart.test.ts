// A restart with a large catalog: the first start projects every product into an empty read model
// (saying how far it has got while it does), Ctrl-C, and the next start projects nothing again,
// because DynamoDB Local keeps its data and the catalog outbox is empty, whatever the catalog's
// size. A stack of its own (own-stack.ts).
import { Pool } from 'pg';
import { migrate } from '../../shared/adapters/postgres/migrator';
import { api } from './helpers';
import { ownStackData, startOwnStack } from './own-stack';

const products = 50_000;
let data: Awaited<ReturnType<typeof ownStackData>>;

beforeAll(async () => {
  data = await ownStackData('restart');
  const pool = new Pool({ connectionString: data.databaseUrl, max: 1 });
  try {
    await migrate(pool);
    await pool.query(
      `INSERT INTO products (sku, name, description, category, price_cents, currency, stock)
       SELECT 'BIG-' || n, 'Product ' || n, '', 'big', n % 5000, 'EUR', n % 7 FROM generate_series(1, $1) AS n`,
      [products],
    );
  } finally {
    await pool.end();
  }
});

afterAll(() => data?.remove());

it(`restarts with ${products.toLocaleString('en')} products without projecting them again`, async () => {
  const first = await startOwnStack(data);
  const { apiUrl } = first;
  try {
    // An empty read model gets every product, and the start says how far it has got meanwhile.
    expect(first.lines().find((l) => l.includes('from the outbox'))).toMatch(
      new RegExp(`catalog read model: ${products + 8} projected from the outbox`),
    );
    expect(first.lines().some((l) => / products projected…$/.test(l))).toBe(true);
    expect((await api('GET', '/products/BIG-49999', { baseUrl: apiUrl })).body).toMatchObject({ stock: 49999 % 7 });
  } finally {
    await first.stop();
  }

  const second = await startOwnStack(data);
  try {
    expect(second.lines().find((l) => l.includes('from the outbox'))).toMatch(
      /demo data: 0 products added; catalog read model: 0 projected from the outbox/,
    );
    expect((await api('GET', '/products/BIG-1', { baseUrl: apiUrl })).body).toMatchObject({ name: 'Product 1' });
  } finally {
    await second.stop();
  }
}, 900_000);
