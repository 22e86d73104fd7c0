/**
 * `npm run bench -- cold`: for every API function of serverless.yml, a fresh Node.js process loads
 * its bundle (built as `serverless package` builds it, source map and --enable-source-maps
 * included) and serves one request against a local stack of the bench's own, with logging,
 * metrics and tracing on as deployed. It alternates with a bare handler: the same clients created,
 * one call to the store the route uses (PostgreSQL, else DynamoDB…). BENCH_COLD_RUNS runs of each
 * (7 unless told), medians. Target: import + first invoke ≤ 1.1 × the bare handler for every route.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { localCredentials } from '../infra/local/aws/local-credentials';
import { localIntrinsics } from '../infra/local/local-resources';
import { freeShelfPorts } from '../infra/local/ports';
import { startShelf, type RunningShelf } from '../infra/local/start-shelf';
import { Supervisor } from '../infra/local/supervisor';
import {
  bareHandlerSource,
  bundle,
  clientsIn,
  loadFunctionBundling,
  type FunctionEntry,
} from '../infra/package/function-bundles';
import type { HttpApiEvent, ServiceConfig } from '../infra/service-config';
import { httpEvent, type HttpEventOptions } from '../tests/helpers/http-events';
import { fmt, writeSection } from './bench-support';
import { removeScratchDir, scratchDir, stopOnInterrupt } from './scratch-dir';

export const coldStartTarget = 1.1;

/** The store a bare handler calls, the first of these its function holds: the one its route reads or writes. */
const storeOrder = [
  'pg',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/client-s3',
  '@aws-sdk/client-sqs',
  '@aws-sdk/client-kinesis',
  '@aws-sdk/client-eventbridge',
];

const sku = 'TEA-EARL-GREY';
const admin = { sub: 'bench-cold-admin', role: 'admin' } as const;
const shopper = { sub: 'bench-cold-shopper', role: 'shopper' } as const;

/**
 * One valid request per route, by route key: a request the route serves with its store's call (a
 * lookup of an id nobody has is a 404 after that call). A route missing here stops the bench.
 */
const requests: Record<string, () => Omit<HttpEventOptions, 'method' | 'route'>> = {
  'GET /health': () => ({}),
  'GET /products': () => ({}),
  'GET /products/{sku}': () => ({ pathParameters: { sku } }),
  'PUT /products/{sku}': () => ({
    caller: admin,
    pathParameters: { sku: 'BENCH-COLD-START' },
    body: { name: 'Cold start', category: 'bench', priceCents: 100, currency: 'EUR', stock: 1000 },
  }),
  'DELETE /products/{sku}': () => ({ caller: admin, pathParameters: { sku: 'BENCH-NEVER-ADDED' } }),
  'GET /products/{sku}/history': () => ({ caller: admin, pathParameters: { sku } }),
  'POST /events': () => ({
    body: { events: [{ type: 'view', sku, sessionId: 'bench-cold-start', occurredAt: new Date().toISOString() }] },
  }),
  'GET /reports/trending': () => ({}),
  'GET /reports': () => ({ caller: admin }),
  // A day with no report: a 404 after the S3 lookup.
  'GET /reports/{date}': () => ({ caller: admin, pathParameters: { date: '2026-01-01' } }),
  'POST /imports': () => ({ caller: admin, body: { fileName: 'bench.csv', contentType: 'text/csv' } }),
  'GET /imports/{importId}': () => ({ caller: admin, pathParameters: { importId: randomUUID() } }),
  'POST /orders': () => ({
    caller: shopper,
    body: { lines: [{ sku, quantity: 1 }] },
    headers: { 'idempotency-key': randomUUID() },
  }),
  'GET /orders/{orderId}': () => ({ caller: shopper, pathParameters: { orderId: randomUUID() } }),
  'GET /orders': () => ({ caller: shopper }),
};

interface Run {
  importMs: number;
  totalMs: number;
  statusCode: number | null;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** A function's environment on this stack, as serverless-offline gives it, plus what Lambda sets. */
function functionEnvironment(
  fn: FunctionEntry,
  config: ServiceConfig,
  shelf: RunningShelf,
  dir: string,
): Record<string, string> {
  const intrinsics = localIntrinsics(config, shelf.resources);
  const declared = { ...config.provider.environment, ...fn.config.environment };
  const resolved = Object.fromEntries(
    Object.entries(declared).map(([name, value]) => [
      name,
      value !== null && typeof value === 'object' ? String(intrinsics.resolve(value)) : String(value),
    ]),
  );
  const table = Object.entries(resolved).find(([name]) => name.endsWith('_TABLE'))?.[1];
  return {
    PATH: process.env.PATH ?? '',
    ...resolved,
    ...shelf.functionEnv,
    AWS_REGION: shelf.region,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    // What Lambda sets, so Powertools runs as deployed: the tracer is on only in a Lambda
    // environment, and records into the invocation's trace (segments go to a daemon address
    // nobody listens on: UDP, sent and forgotten, as on Lambda).
    AWS_LAMBDA_FUNCTION_NAME: `shelf-bench-${fn.name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: dir,
    _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    // The deployed stages' level (the local stage logs DEBUG).
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...(table ? { BARE_TABLE: table } : {}),
  };
}

async function coldStart(bundlePath: string, eventPath: string, env: Record<string, string>): Promise<Run> {
  const child = join(__dirname, 'cold-start-child.cjs');
  const { stdout } = await promisify(execFile)(process.execPath, [child, bundlePath, eventPath], {
    env,
    maxBuffer: 16 * 1024 * 1024,
    timeout: 60_000,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('COLD-START '));
  if (!line) throw new Error(`No timing from ${bundlePath}:\n${stdout}`);
  return JSON.parse(line.slice('COLD-START '.length)) as Run;
}

export async function benchColdStarts(): Promise<string> {
  const runs = Number(process.env.BENCH_COLD_RUNS ?? 7);
  const dir = scratchDir('cold');
  const supervisor = new Supervisor();
  const registered = stopOnInterrupt(() => supervisor.stopAll());
  try {
    const { functions, options, config } = await loadFunctionBundling('local');
    const api = functions.flatMap((fn) => {
      const route = fn.config.events?.find((e): e is HttpApiEvent => 'httpApi' in e)?.httpApi;
      return route ? [{ fn, routeKey: `${route.method.toUpperCase()} ${route.path}` }] : [];
    });
    const missing = api.filter(({ routeKey }) => !(routeKey in requests)).map(({ routeKey }) => routeKey);
    if (missing.length) throw new Error(`No bench request for ${missing.join(', ')}: add one to bench/cold-starts.ts`);

    console.log('starting a local stack for the cold-start bench…');
    const shelf = await startShelf({ ports: await freeShelfPorts(), dataDir: join(dir, 'stack'), supervisor });
    const rows: string[] = [];
    for (const { fn, routeKey } of api) {
      const fnDir = join(dir, fn.name);
      mkdirSync(fnDir);
      // As deployed: the source map beside the bundle, which --enable-source-maps reads.
      const write = async (file: string, entry: string | { contents: string }) => {
        const built = await bundle({ ...options, sourcemap: true }, entry);
        const path = join(fnDir, file);
        writeFileSync(path, built.code.replace(/sourceMappingURL=\S+/, `sourceMappingURL=${file}.map`));
        writeFileSync(`${path}.map`, built.map ?? '');
        return { path, clients: clientsIn(built.metafile) };
      };
      const handler = await write('handler.js', fn.entry);
      const store = storeOrder.filter((pkg) => handler.clients.includes(pkg)).slice(0, 1);
      const bare = await write('bare.js', { contents: bareHandlerSource(handler.clients, store) });
      const env = functionEnvironment(fn, config, shelf, fnDir);
      const [method, route] = routeKey.split(' ') as [string, string];
      const handlerRuns: Run[] = [];
      const bareRuns: Run[] = [];
      for (let i = 0; i < runs; i++) {
        const eventPath = join(fnDir, `event-${i}.json`);
        writeFileSync(eventPath, JSON.stringify(httpEvent({ method, route, ...requests[routeKey]!() })));
        // Alternating which goes first, so neither always runs on a warmer machine.
        const pair = [
          async () => handlerRuns.push(await coldStart(handler.path, eventPath, env)),
          async () => bareRuns.push(await coldStart(bare.path, eventPath, env)),
        ];
        for (const run of i % 2 ? pair.reverse() : pair) await run();
      }
      const fnMs = median(handlerRuns.map((r) => r.totalMs));
      const bareMs = median(bareRuns.map((r) => r.totalMs));
      const ratio = fnMs / bareMs;
      const statuses = [...new Set(handlerRuns.map((r) => r.statusCode))].join(', ');
      rows.push(
        `| ${fn.name} | ${routeKey} | ${statuses} | ${fmt(median(handlerRuns.map((r) => r.importMs)), 1)} | ` +
          `${fmt(fnMs, 1)} | ${store.join(', ') || '(none)'} | ${fmt(bareMs, 1)} | ${fmt(ratio, 2)} | ` +
          `≤ ${coldStartTarget} | ${ratio <= coldStartTarget ? 'met' : 'not met'} |`,
      );
      console.log(rows.at(-1));
    }
    const table = [
      '| function | route | status | import ms | import + first invoke ms | bare calls | bare ms | × bare | target | |',
      '| --- | --- | --- | ---: | ---: | --- | ---: | ---: | --- | --- |',
      ...rows,
    ].join('\n');
    writeSection(
      'Cold starts',
      [
        `Each API function, ${runs} runs of each: a fresh Node.js ${process.version} process loads the bundle (as`,
        '`serverless package` builds it, with its source map and NODE_OPTIONS=--enable-source-maps as deployed)',
        "and serves one request against the bench's own local stack, with Powertools logging (INFO),",
        'metrics and tracing on (a Lambda environment and a sampled trace id). The bare handler creates the same',
        'clients and makes one call to the store the route uses. Medians, timed inside the process from the',
        'first require to the response; Node.js start-up itself is left out of both.',
        '',
        table,
      ].join('\n'),
    );
    return table;
  } finally {
    await supervisor.stopAll();
    registered();
    removeScratchDir(dir);
  }
}
