// A restart with a large catalog: the first start projects every product into an empty read model
// (saying how far it has got while it does), Ctrl-C, and the next start projects nothing again,
// because DynamoDB Local keeps its data and the catalog outbox is empty, whatever the catalog's
// size. `npm start` on a database of its own (DATABASE_URL), like the outage tests' stack.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { freePorts } from '../../infra/local/free-ports';
import { removeDataDir } from '../../infra/local/data-dir';
import { repoRoot } from '../../infra/local/service-config';
import { defaultPorts, type ShelfPorts } from '../../infra/local/start-shelf';
import { migrate } from '../../shared/adapters/postgres/migrator';
import { api, until } from './helpers';

const products = 50_000;
const database = `restart_${process.pid}`;
let dataDir: string;
let databaseUrl: string;

async function onServer(sql: string): Promise<void> {
  const url = new URL(process.env.SHELF_TEST_DATABASE_URL!);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await onServer(`CREATE DATABASE ${database}`);
  const url = new URL(process.env.SHELF_TEST_DATABASE_URL!);
  url.pathname = `/${database}`;
  databaseUrl = url.toString();
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
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
  dataDir = mkdtempSync(join(tmpdir(), 'shelf-restart-'));
  chmodSync(dataDir, 0o755);
});

afterAll(async () => {
  removeDataDir(dataDir);
  await onServer(`DROP DATABASE IF EXISTS ${database}`);
});

/** npm start until "Shelf is running"; resolves with its start-up lines and a way to stop it. */
async function startShelf(ports: ShelfPorts) {
  const env: NodeJS.ProcessEnv = { ...process.env, SHELF_DATA_DIR: dataDir, DATABASE_URL: databaseUrl };
  for (const [name, port] of Object.entries(ports)) env[`SHELF_${name.toUpperCase()}_PORT`] = String(port);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: repoRoot,
    env,
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGINT');
    await exited;
  };
  try {
    await until(
      '"Shelf is running"',
      () => {
        if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
        return output.includes('Shelf is running') ? true : undefined;
      },
      300_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { lines: () => output.split('\n'), stop };
}

it(`restarts with ${products.toLocaleString('en')} products without projecting them again`, async () => {
  const ports = await freePorts(Object.keys(defaultPorts) as (keyof ShelfPorts)[]);
  const apiUrl = `http://127.0.0.1:${ports.api}`;

  const first = await startShelf(ports);
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

  const second = await startShelf(ports);
  try {
    expect(second.lines().find((l) => l.includes('from the outbox'))).toMatch(
      /demo data: 0 products added; catalog read model: 0 projected from the outbox/,
    );
    expect((await api('GET', '/products/BIG-1', { baseUrl: apiUrl })).body).toMatchObject({ name: 'Product 1' });
  } finally {
    await second.stop();
  }
}, 900_000);
