// Outages lose nothing and end every job. A stack of its own (like start-stop.test.ts), with a
// database of its own, whose functions reach PostgreSQL and DynamoDB through TCP proxies these
// tests can cut, so the other tests' stack stays up:
// - PostgreSQL away for a while: the worker's batch fails, its messages stay on the queue, come
//   back after the visibility timeout, and load once the database is back;
// - PostgreSQL away for longer than the queue's five tries: the chunk goes to the dead-letter
//   queue, its job ends PARTIALLY_LOADED saying so, and `npm run redrive` carries it to COMPLETED;
// - DynamoDB away during orders, admin edits and imports: PostgreSQL commits, the catalog read model
//   lags, and converges on its own once DynamoDB is back (the catalog outbox).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Client, Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { removeDataDir } from '../../infra/local/data-dir';
import { repoRoot } from '../../infra/service-config';
import { freeShelfPorts, portEnv } from '../../infra/local/ports';
import { randomUUID } from 'node:crypto';
import { signToken } from '../../infra/local/local-issuer';
import type { Role } from '../../shared/auth/caller';
import { api, postForm, until } from './helpers';

/** Forwards TCP to a server until cut; while cut, it refuses (closes) every connection. */
class CuttableProxy {
  refused = 0;
  private cut = false;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      if (this.cut) {
        this.refused++;
        client.destroy();
        return;
      }
      const upstream = connect(target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
  }

  /** Listens on a free port; resolves with it. */
  listen(): Promise<number> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)),
    );
  }

  /** Drops every open connection and refuses new ones. */
  sever(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.cut = false;
  }

  close(): Promise<void> {
    this.sever();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface StackFile {
  apiUrl: string;
  region: string;
  endpoints: { sqs: string };
  resources: Record<string, { ref: string }>;
}

let shelf: ChildProcess;
let stack: StackFile;
let proxy: CuttableProxy;
let dynamoProxy: CuttableProxy;
let dataDir: string;
let output = '';
/** This stack's own database: its catalog outbox must have one consumer, this stack's projections. */
const database = `outage_${process.pid}`;
let pool: Pool;

async function onServer(work: (client: Client) => Promise<unknown>): Promise<void> {
  const url = new URL(process.env.SHELF_TEST_DATABASE_URL!);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

const db = () => pool;

beforeAll(async () => {
  await onServer((c) => c.query(`CREATE DATABASE ${database}`));
  const url = new URL(process.env.SHELF_TEST_DATABASE_URL!);
  url.pathname = `/${database}`;
  pool = new Pool({ connectionString: url.toString(), max: 2 });
  proxy = new CuttableProxy({ host: url.hostname, port: Number(url.port) });
  const proxyPort = await proxy.listen();
  const throughProxy = new URL(url);
  throughProxy.port = String(proxyPort);
  const ports = await freeShelfPorts();
  dynamoProxy = new CuttableProxy({ host: '127.0.0.1', port: ports.dynamodb });
  const dynamoProxyPort = await dynamoProxy.listen();
  dataDir = mkdtempSync(join(tmpdir(), 'shelf-outage-'));
  chmodSync(dataDir, 0o755);
  // `npm start` with DATABASE_URL: it uses that PostgreSQL (through the proxy) instead of its own;
  // its functions reach DynamoDB Local through the other proxy.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SHELF_DATA_DIR: dataDir,
    DATABASE_URL: throughProxy.toString(),
    SHELF_FUNCTIONS_DYNAMODB_ENDPOINT: `http://127.0.0.1:${dynamoProxyPort}`,
  };
  Object.assign(env, portEnv(ports));
  shelf = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], { cwd: repoRoot, env, detached: true });
  shelf.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  shelf.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stackFile = join(dataDir, 'stack.json');
  await until(
    'the outage stack to start',
    () => {
      if (shelf.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
      return output.includes('Shelf is running') && existsSync(stackFile) ? true : undefined;
    },
    // A second stack bundles every function again while the integration stack runs beside it.
    180_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; its output:\n${output.slice(-3000)}`);
  });
  stack = JSON.parse(readFileSync(stackFile, 'utf8')) as StackFile;
}, 240_000);

afterAll(async () => {
  if (shelf && shelf.exitCode === null) {
    const exited = new Promise((resolve) => shelf.once('exit', resolve));
    process.kill(-shelf.pid!, 'SIGINT');
    await exited;
  }
  await proxy?.close();
  await dynamoProxy?.close();
  await pool?.end();
  await onServer((c) => c.query(`DROP DATABASE IF EXISTS ${database}`));
  removeDataDir(dataDir);
});

/** A token this stack's authorizer accepts: signed with the issuer key in its own data directory. */
const tokenFor = (role: Role) => signToken({ sub: `${role}-${randomUUID()}`, role, dataDir });
const adminToken = () => tokenFor('admin');

let sqsClient: SQSClient | undefined;
afterAll(() => sqsClient?.destroy());
const sqsOf = () =>
  (sqsClient ??= new SQSClient({
    endpoint: stack.endpoints.sqs,
    region: stack.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }));

interface Job {
  status: string;
  rowsRead?: number;
  rowsLoaded?: number;
  rowsDeadLettered?: number;
  deadLetteredChunks?: number[];
  failureReason?: string;
}

const jobOf = async (importId: string) =>
  (await api<Job>('GET', `/imports/${importId}`, { baseUrl: stack.apiUrl, token: adminToken() })).body;

/** The product as the storefront shows it (the read model), or its HTTP status. */
async function storefront(sku: string): Promise<{ name: string; stock: number } | number> {
  const response = await api<{ name: string; stock: number }>('GET', `/products/${sku}`, { baseUrl: stack.apiUrl });
  return response.status === 200 ? { name: response.body.name, stock: response.body.stock } : response.status;
}

it('keeps the chunks on the queue while PostgreSQL is unreachable and loads them when it is back', async () => {
  const sqs = sqsOf();
  const queueUrl = stack.resources.ImportQueue!.ref;
  const importId = uuidv7();
  const sku = `OUT-${importId.slice(-8).toUpperCase()}`;
  const chunk = {
    importId,
    chunk: 1,
    rows: [
      { row: 1, sku, name: 'Survivor', description: '', category: 'tea', priceCents: 250, currency: 'EUR', stock: 3 },
    ],
  };

  proxy.sever();
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(chunk) }));
  // The worker has tried (and failed) at least twice: the message came back after its first failure.
  await until('two refused connection attempts', () => (proxy.refused >= 2 ? true : undefined));
  const { rows: during } = await db().query('SELECT 1 FROM products WHERE sku = $1', [sku]);
  expect(during).toEqual([]);
  // Still on the queue (visible, or hidden until its visibility timeout ends).
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const queued =
    Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
  expect(queued).toBeGreaterThanOrEqual(1);

  proxy.restore();

  const loaded = await until('the chunk to load', async () => {
    const { rows } = await db().query<{ name: string; stock: number }>(
      'SELECT name, stock FROM products WHERE sku = $1',
      [sku],
    );
    return rows[0];
  });
  expect(loaded).toEqual({ name: 'Survivor', stock: 3 });
  const dlq = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: stack.resources.ImportDeadLetterQueue!.ref,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  expect(dlq.Attributes!.ApproximateNumberOfMessages).toBe('0');
});

it('ends a job PARTIALLY_LOADED when a chunk exhausts its tries, and a redrive carries it on to COMPLETED', async () => {
  const p = `DLQ${Date.now().toString(36).toUpperCase()}`;
  const created = await api<{ importId: string; upload: { url: string; fields: Record<string, string> } }>(
    'POST',
    '/imports',
    {
      baseUrl: stack.apiUrl,
      token: adminToken(),
      body: { fileName: 'outage.csv', contentType: 'text/csv' },
    },
  );
  expect(created.status).toBe(201);
  const { importId } = created.body;

  // The file processor needs no database: the chunk reaches the queue, the worker cannot load it.
  proxy.sever();
  const upload = await postForm(
    created.body.upload.url,
    created.body.upload.fields,
    `sku,name,category,price,currency,stock\n${p}-1,Kept,tea,1,EUR,1\n${p}-2,Also kept,tea,2,EUR,2\n`,
  );
  expect(upload.status).toBe(204);
  const partial = await until(
    'the job to end PARTIALLY_LOADED',
    async () => {
      const job = await jobOf(importId);
      return job.status === 'PARTIALLY_LOADED' ? job : undefined;
    },
    90_000,
  );
  expect(partial).toMatchObject({ rowsRead: 2, rowsDeadLettered: 2, deadLetteredChunks: [1] });
  expect(partial.failureReason).toMatch(/^2 rows in 1 chunk could not be loaded/);
  expect(partial.failureReason).toContain('npm run redrive');

  // The cause is fixed; the admin redrives as the reason says.
  proxy.restore();
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/ops/redrive.ts'], {
    cwd: repoRoot,
    env: { ...process.env, SHELF_DATA_DIR: dataDir },
  });
  expect(stdout).toMatch(/^Moved 1 message\(s\)/m);
  const completed = await until('the job to complete', async () => {
    const job = await jobOf(importId);
    return job.status === 'COMPLETED' ? job : undefined;
  });
  expect(completed).toMatchObject({ rowsRead: 2, rowsLoaded: 2, rowsDeadLettered: 0 });
  expect(completed).not.toHaveProperty('failureReason');
  const { rows } = await db().query<{ sku: string }>('SELECT sku FROM products WHERE sku LIKE $1 ORDER BY sku', [
    `${p}-%`,
  ]);
  expect(rows.map((r) => r.sku)).toEqual([`${p}-1`, `${p}-2`]);
}, 180_000);

it('commits orders, edits and imports while DynamoDB is unreachable, and the read model converges afterwards', async () => {
  const p = `DDB${Date.now().toString(36).toUpperCase()}`;
  const admin = adminToken();
  const product = { name: 'Before', description: '', category: 'tea', priceCents: 500, currency: 'EUR', stock: 10 };
  for (const sku of [`${p}-ORDERED`, `${p}-EDITED`]) {
    const put = await api('PUT', `/products/${sku}`, { baseUrl: stack.apiUrl, token: admin, body: product });
    expect(put.status).toBe(200);
  }
  expect(await storefront(`${p}-ORDERED`)).toEqual({ name: 'Before', stock: 10 });

  dynamoProxy.sever();
  const order = await api('POST', '/orders', {
    baseUrl: stack.apiUrl,
    token: tokenFor('shopper'),
    body: { lines: [{ sku: `${p}-ORDERED`, quantity: 3 }] },
  });
  const edit = await api('PUT', `/products/${p}-EDITED`, {
    baseUrl: stack.apiUrl,
    token: admin,
    body: { ...product, name: 'After' },
  });
  const importId = uuidv7();
  await sqsOf().send(
    new SendMessageCommand({
      QueueUrl: stack.resources.ImportQueue!.ref,
      MessageBody: JSON.stringify({
        importId,
        chunk: 1,
        rows: [
          {
            row: 1,
            sku: `${p}-IMPORTED`,
            name: 'Imported',
            description: '',
            category: 'tea',
            priceCents: 1,
            currency: 'EUR',
            stock: 4,
          },
        ],
      }),
    }),
  );
  // The system of record has them all while the storefront cannot be read at all.
  expect(order.status).toBe(201);
  expect(edit.status).toBe(200);
  await until('the chunk in PostgreSQL', async () => {
    const { rows } = await db().query('SELECT 1 FROM products WHERE sku = $1', [`${p}-IMPORTED`]);
    return rows.length ? true : undefined;
  });
  expect(await storefront(`${p}-ORDERED`)).toBe(500);

  dynamoProxy.restore();
  // Nobody writes these products again: the outbox alone brings the read model up to date.
  const converged = await until(
    'the read model to converge',
    async () => {
      const now = await Promise.all([`${p}-ORDERED`, `${p}-EDITED`, `${p}-IMPORTED`].map(storefront));
      return JSON.stringify(now) ===
        JSON.stringify([
          { name: 'Before', stock: 7 },
          { name: 'After', stock: 10 },
          { name: 'Imported', stock: 4 },
        ])
        ? now
        : undefined;
    },
    150_000,
  );
  expect(converged).toHaveLength(3);
  const { rows: queued } = await db().query('SELECT sku FROM catalog_outbox WHERE sku LIKE $1', [`${p}-%`]);
  expect(queued).toEqual([]);
}, 240_000);
