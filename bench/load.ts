/**
 * A bounded load test of the local stack: the whole shop started on free ports of 127.0.0.1 (as the
 * integration tests start theirs, with a PostgreSQL of its own in a scratch folder), then autocannon
 * against its HTTP API, one route after the other, each run bounded in requests and in seconds:
 * - GET /health, the baseline: a function that does nothing, so the other routes' throughput is
 *   also shown as a ratio to what serverless-offline serves on this machine in the same run;
 * - GET /products (a catalog page) and GET /products/{sku} (a product page): the DynamoDB read model;
 * - POST /orders, many shoppers at once for a product with few units: every order must either be
 *   placed or refused with 409 OUT_OF_STOCK, and no unit may be sold twice.
 * The stack stops at the end, whatever happens (and on Ctrl-C).
 *
 *   npm run bench -- load   (BENCH_LOAD_READS=1000 per read route, BENCH_LOAD_ORDERS=200,
 *                            BENCH_LOAD_STOCK=20, BENCH_LOAD_SECONDS=60 per route at most,
 *                            BENCH_LOAD_READ_CONNECTIONS=10, BENCH_LOAD_ORDER_CONNECTIONS=10)
 * The stack's own output goes to test-output/bench-load-stack.log.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { signToken } from '../infra/local/local-issuer';
import { freeShelfPorts } from '../infra/local/ports';
import { startShelf, type RunningShelf } from '../infra/local/start-shelf';
import { Supervisor } from '../infra/local/supervisor';
import { repoRoot } from '../infra/service-config';
import { until } from '../tests/integration/helpers';
import { fmt, writeSection } from './bench-support';
import {
  checkStock,
  routeTable,
  stockLine,
  summariseRoute,
  type RouteRun,
  type RouteSummary,
  type StockOutcome,
} from './load-summary';
import { removeScratchDir, scratchDir, stopOnInterrupt } from './scratch-dir';

const readRequests = Number(process.env.BENCH_LOAD_READS ?? 1000);
const orderAttempts = Number(process.env.BENCH_LOAD_ORDERS ?? 200);
const scarceStock = Number(process.env.BENCH_LOAD_STOCK ?? 20);
const maxSeconds = Number(process.env.BENCH_LOAD_SECONDS ?? 60);
const readConnections = Number(process.env.BENCH_LOAD_READ_CONNECTIONS ?? 10);
// 10 shoppers at once: at 25, this 2-core machine starts environments so slowly that the warm-up
// itself hits the 10 s Lambda timeout, and cold starts reach the measured run (p99 over 5 s).
const orderConnections = Number(process.env.BENCH_LOAD_ORDER_CONNECTIONS ?? 10);
const stackLogFile = join(repoRoot, 'test-output', 'bench-load-stack.log');
// Shoppers racing for the stock: each order is signed for one of them in turn.
const shopperCount = 50;

interface LoadRoute {
  route: string;
  path: string;
  method?: 'GET' | 'POST';
  amount: number;
  connections: number;
  headers?: Record<string, string>;
  body?: string;
  /** A fresh Authorization header for each request. */
  authorization?: () => string;
  successStatus?: number;
  expectedRefusals?: number[];
}

/** Failed invocations serverless-offline has logged so far (`× [504] - Lambda timeout.`). */
let failedInvocations = 0;
const countFailures = (output: Buffer) => (failedInvocations += output.toString().match(/^× /gm)?.length ?? 0);

/** One autocannon run: `amount` requests, stopped early after maxSeconds. */
function load(apiUrl: string, spec: LoadRoute): Promise<RouteRun> {
  const failedBefore = failedInvocations;
  return new Promise((resolve, reject) => {
    const { authorization } = spec;
    const instance = autocannon(
      {
        url: apiUrl,
        connections: spec.connections,
        amount: spec.amount,
        timeout: 30,
        requests: [
          {
            method: spec.method ?? 'GET',
            path: spec.path,
            headers: { 'content-type': 'application/json', ...spec.headers },
            body: spec.body,
            // autocannon calls a setupRequest key even when it is undefined: only set it when needed.
            ...(authorization && {
              setupRequest: (request: autocannon.Request) => ({
                ...request,
                headers: { ...request.headers, authorization: authorization() },
              }),
            }),
          },
        ],
      },
      (error, result) => {
        clearTimeout(deadline);
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        resolve({
          route: spec.route,
          connections: spec.connections,
          seconds: result.duration,
          statuses: Object.fromEntries(
            Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count ?? 0]),
          ),
          noResponse: result.errors,
          failedInvocations: failedInvocations - failedBefore,
          successStatus: spec.successStatus ?? 200,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          expectedRefusals: spec.expectedRefusals ?? [],
        });
      },
    );
    // `amount` makes autocannon ignore its own duration: the time bound is this timer.
    const deadline = setTimeout(() => instance.stop(), maxSeconds * 1000);
  });
}

/** The API's answer; of a product's body only its stock matters here. */
async function call(url: string, init?: RequestInit): Promise<{ status: number; body?: { stock?: number } }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as { stock?: number }) : undefined };
}

/**
 * Each concurrent request needs an execution environment of its own: serverless-offline starts a
 * worker thread per environment, a cold start of seconds on this machine. Warming up to the run's
 * concurrency, a few environments at a time, keeps cold starts (and the Lambda timeouts that
 * many of them together cause here) out of the measured run. serverless-offline drops an idle
 * environment after a minute, so each route is warmed just before its run.
 */
async function warmUp(api: string, route: LoadRoute): Promise<void> {
  for (let connections = 2; ; connections = Math.min(connections + 4, route.connections)) {
    await load(api, { ...route, amount: connections * 3, connections });
    if (connections === route.connections) return;
  }
}

async function createProduct(api: string, admin: string, sku: string, stock: number): Promise<void> {
  const put = await call(`${api}/products/${sku}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `Tea for the load test (${stock} units)`,
      description: 'Many shoppers at once',
      category: 'tea',
      priceCents: 1200,
      currency: 'EUR',
      stock,
    }),
  });
  if (put.status !== 200) throw new Error(`PUT /products/${sku} answered ${put.status}: ${JSON.stringify(put.body)}`);
  await until('the product in the read model', async () => {
    const got = await call(`${api}/products/${sku}`);
    return got.status === 200 && got.body?.stock === stock ? true : undefined;
  });
}

async function runLoad(shelf: RunningShelf, dataDir: string): Promise<string> {
  const api = shelf.apiUrl;
  const admin = signToken({ sub: 'bench-admin', role: 'admin', dataDir });
  const sku = `LOAD-${randomUUID().slice(0, 8).toUpperCase()}`;
  // The order route is warmed up on a product of its own, so the scarce one starts the run untouched.
  const warmUpSku = `${sku}-WARM`;
  await createProduct(api, admin, sku, scarceStock);
  await createProduct(api, admin, warmUpSku, 10_000);

  const shoppers = Array.from({ length: shopperCount }, (_, i) =>
    signToken({ sub: `bench-shopper-${i}`, role: 'shopper', dataDir }),
  );
  let nextShopper = 0;
  const routes: LoadRoute[] = [
    { route: 'GET /health', path: '/health', amount: readRequests, connections: readConnections },
    { route: 'GET /products', path: '/products', amount: readRequests, connections: readConnections },
    { route: 'GET /products/{sku}', path: `/products/${sku}`, amount: readRequests, connections: readConnections },
    {
      route: 'POST /orders',
      path: '/orders',
      method: 'POST',
      amount: orderAttempts,
      connections: orderConnections,
      body: JSON.stringify({ lines: [{ sku, quantity: 1 }] }),
      authorization: () => `Bearer ${shoppers[nextShopper++ % shoppers.length]}`,
      successStatus: 201,
      expectedRefusals: [409],
    },
  ];
  const summaries: RouteSummary[] = [];
  for (const route of routes) {
    console.log(`  ${route.route}: warm-up, then ${fmt(route.amount)} requests, ${route.connections} connections…`);
    const orderBody = route.body?.replace(sku, warmUpSku);
    await warmUp(api, { ...route, body: orderBody });
    summaries.push(summariseRoute(await load(api, route)));
  }
  const orders = summaries.find((s) => s.route === 'POST /orders')!;

  const pool = new Pool({ connectionString: shelf.databaseUrl, max: 1 });
  let outcome: StockOutcome;
  try {
    const { rows } = await pool.query<{ stock: number; orders: string; units: string }>(
      `SELECT p.stock,
              (SELECT count(DISTINCT order_id) FROM order_lines WHERE sku = p.sku) AS orders,
              (SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE sku = p.sku) AS units
       FROM products p WHERE p.sku = $1`,
      [sku],
    );
    const row = rows[0]!;
    const finalStockInDatabase = row.stock;
    // The read model is updated after each commit; wait (bounded) for it to show the last one.
    const finalStockInApi = await until('the read model to show the final stock', async () => {
      const got = await call(`${api}/products/${sku}`);
      return got.body?.stock === finalStockInDatabase ? got.body.stock : undefined;
    }).catch(async () => (await call(`${api}/products/${sku}`)).body?.stock);
    outcome = {
      initialStock: scarceStock,
      attempts: orders.requests,
      accepted: orders.succeeded,
      ordersInDatabase: Number(row.orders),
      unitsSold: Number(row.units),
      finalStockInDatabase,
      finalStockInApi,
    };
  } finally {
    await pool.end();
  }

  const baseline = summaries[0]!;
  const targets: Record<string, string> = {
    'GET /health': '0 errors (baseline)',
    'GET /products': '0 errors',
    'GET /products/{sku}': '0 errors',
    'POST /orders': `0 errors; 201 × ${fmt(Math.min(scarceStock, orderAttempts))}, the rest 409`,
  };
  const errors = summaries.reduce((sum, s) => sum + s.errors, 0);
  const table = [
    `The local stack (serverless-offline, DynamoDB Local, embedded PostgreSQL 17) on 127.0.0.1, started by the bench on free ports; Node ${process.version}; autocannon 9, one route at a time, each bounded to its request count and ${maxSeconds} s, after a warm-up to its concurrency (an execution environment per connection: no cold start is measured). Latencies in milliseconds, throughput in responses per second. Succeeded: 200 (201 for an order); refused: 409 OUT_OF_STOCK, the answer to an order once the units are gone; errors: any other status, timeouts, connection errors, and invocations serverless-offline reports as failed (it answers a Lambda timeout with 200 and an error body where API Gateway answers 504).`,
    '',
    routeTable(summaries, baseline, targets),
    '',
    stockLine(outcome, checkStock(outcome)),
    `Errors, all routes (judged): ${fmt(errors)} (target 0).`,
  ].join('\n');
  writeSection('Load test of the local stack (`npm run bench -- load`)', table);
  return table;
}

/** The two judged lines of the load table, for run.ts's summary. */
export function loadVerdict(table: string): string {
  return table
    .split('\n')
    .filter((line) => line.includes('(judged)'))
    .join('\n');
}

export async function benchLoad(): Promise<string> {
  const dataDir = scratchDir('load');
  const supervisor = new Supervisor();
  // Ctrl-C does not reach the stack's parts (each in a process group of its own): stop them first.
  const registered = stopOnInterrupt(() => supervisor.stopAll());
  // A DATABASE_URL from the environment would point the stack at someone's real database.
  const saved = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  // The stack's own lines and its functions' logs, for when a route answers with errors.
  mkdirSync(dirname(stackLogFile), { recursive: true });
  const stackLog = createWriteStream(stackLogFile);
  try {
    console.log('  starting the local stack on free ports (bundling every function: minutes on a busy machine)…');
    const shelf = await startShelf({
      ports: await freeShelfPorts(),
      dataDir,
      supervisor,
      log: (line) => stackLog.write(`${line}\n`),
      onFunctionOutput: (chunk) => {
        countFailures(chunk);
        stackLog.write(chunk);
      },
    });
    if (saved !== undefined) process.env.DATABASE_URL = saved;
    // A part of the stack that dies mid-run ends the run, rather than leaving it to time out.
    return await Promise.race([runLoad(shelf, dataDir), shelf.crashed]);
  } finally {
    if (saved !== undefined) process.env.DATABASE_URL = saved;
    await supervisor.stopAll();
    stackLog.end();
    registered();
    removeScratchDir(dataDir);
  }
}

if (require.main === module) {
  benchLoad()
    .then((table) => console.log(table))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
