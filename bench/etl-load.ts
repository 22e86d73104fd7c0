/**
 * ETL load rate: the worker's real code path beside a raw COPY of the same rows into a table of
 * the same shape, in the same database, in one run. Each is measured BENCH_REPS times, a COPY
 * before each set of worker runs, and the median ratio is reported: this machine is small and
 * shared, single runs vary by a quarter.
 *
 * The worker path starts where the worker does, at the SQS messages (their JSON made before the
 * clock starts, as the COPY's rows are): each batch goes through the handler's own batch reading with
 * its payload schema (batchOfRecords: recordBatch of shared/triggers/record-batch.ts without its
 * logging and metrics bracket), each chunk through checkChunkRows (the product rules) and
 * PostgresCatalogImportLoader (record the chunk, merge newer rows). The loader alone, given parsed
 * chunks (what this bench measured before), is shown beside it. Not measured: the projection into
 * DynamoDB and the job's progress, which follow the commit.
 *
 * The target (issue 12) is judged with one environment: what a single worker loads, its SQS
 * batches one after another, a batch's chunks side by side (as the handler does).
 * BENCH_CONCURRENCY environments (5, the worker's reserved concurrency, as deployed) are shown
 * beside it.
 *
 *   npm run bench -- etl          (BENCH_ROWS=200000, BENCH_CONCURRENCY=5, BENCH_REPS=3)
 */
import { Readable, Writable } from 'node:stream';
import type { Context, SQSRecord } from 'aws-lambda';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { v7 as uuidv7 } from 'uuid';
import { PostgresCatalogImportLoader } from '../shared/adapters/postgres/catalog-import-loader';
import { migrate } from '../shared/adapters/postgres/migrator';
import type { CatalogRow } from '../shared/imports/catalog-row';
import { Chunker, chunkLimits, importChunkSchema, type ImportChunk } from '../shared/imports/import-chunk';
import { checkChunkRows } from '../shared/imports/import-service';
import { batchOfRecords } from '../shared/triggers/record-batch';
import { fmt, scratchPostgres, timed, writeSection } from './bench-support';

const rowCount = Number(process.env.BENCH_ROWS ?? 200_000);
// The worker's reserved concurrency (services/imports/functions.yml): that many environments,
// each with its own pool, load chunks at the same time.
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 5);
const reps = Number(process.env.BENCH_REPS ?? 3);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function makeRows(n: number): CatalogRow[] {
  return Array.from({ length: n }, (_, i) => ({
    row: i + 1,
    sku: `BENCH-${String(i).padStart(8, '0')}`,
    name: `Benchmark product ${i}`,
    description: `A product made up for the ETL benchmark, number ${i}`,
    category: ['tea', 'coffee', 'mugs', 'accessories'][i % 4]!,
    priceCents: 100 + (i % 10_000),
    currency: 'EUR',
    stock: i % 500,
  }));
}

const csvLine = (r: CatalogRow) =>
  [r.sku, r.name, r.description, r.category, r.priceCents, r.currency, r.stock, r.row].join('\t') + '\n';

async function rawCopy(pool: Pool, rows: CatalogRow[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('DROP TABLE IF EXISTS copy_target');
    await client.query('CREATE TABLE copy_target (LIKE products INCLUDING ALL)');
    const stream = client.query(
      copyFrom(
        'COPY copy_target (sku, name, description, category, price_cents, currency, stock, source_row) FROM STDIN',
      ),
    );
    const blocks = function* () {
      for (let i = 0; i < rows.length; i += 1000)
        yield rows
          .slice(i, i + 1000)
          .map(csvLine)
          .join('');
    };
    await pipeline(Readable.from(blocks()), stream as unknown as Writable);
  } finally {
    client.release();
  }
}

// Chunks per SQS batch (services/imports/functions.yml), loaded side by side as the handler does.
const batchSize = 2;

/** A chunk as SQS delivers it to the worker (a record that passes the SQS record schema, shared/triggers/schemas/sqs.ts). */
const sqsRecord = (chunk: ImportChunk): SQSRecord => ({
  messageId: `${chunk.importId}-${chunk.chunk}`,
  receiptHandle: 'bench',
  body: JSON.stringify(chunk),
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '1764720000000',
    SenderId: 'bench',
    ApproximateFirstReceiveTimestamp: '1764720000000',
  },
  messageAttributes: {},
  md5OfBody: '00000000000000000000000000000000',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:shelf-bench-imports',
  awsRegion: 'us-east-1',
});

/** Loads the work in batches, `parallel` environments at once, each with its own pool. */
async function inEnvironments<T>(
  url: string,
  work: T[],
  parallel: number,
  loadBatch: (loader: PostgresCatalogImportLoader, batch: T[]) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const environments = Array.from({ length: parallel }, async () => {
    const pool = new Pool({ connectionString: url, max: 2 });
    const loader = new PostgresCatalogImportLoader(pool);
    try {
      while (next < work.length) await loadBatch(loader, work.slice(next, (next += batchSize)));
    } finally {
      await pool.end();
    }
  });
  await Promise.all(environments);
}

/** The loader alone, given parsed chunks. */
const loaderPath = (url: string, chunks: ImportChunk[], parallel: number) =>
  inEnvironments(url, chunks, parallel, (loader, batch) => Promise.all(batch.map((chunk) => loader.load(chunk, []))));

/** The handler's own batch reading (recordBatch without its logging bracket), one per environment. */
const handlers = new WeakMap<PostgresCatalogImportLoader, ReturnType<typeof chunkBatchHandler>>();
const chunkBatchHandler = (loader: PostgresCatalogImportLoader) =>
  batchOfRecords(
    // As services/imports/load-import-chunk.ts sets it up.
    { source: 'SQS', payload: importChunkSchema, transformer: 'json', processInParallel: true },
    async (record) => {
      const { valid, refused } = checkChunkRows(record.body);
      await loader.load({ ...record.body, rows: valid }, refused);
    },
  );

/** The worker's path from its SQS batch: the handler's parse and checks, then the loader. */
const workerPath = (url: string, records: SQSRecord[], parallel: number) =>
  inEnvironments(url, records, parallel, async (loader, batch) => {
    let handle = handlers.get(loader);
    if (!handle) handlers.set(loader, (handle = chunkBatchHandler(loader)));
    const { batchItemFailures } = await handle({ Records: batch }, {} as Context);
    if (batchItemFailures.length) throw new Error(`${batchItemFailures.length} records failed`);
  });

export async function benchEtl(): Promise<string> {
  const postgres = await scratchPostgres();
  const pool = new Pool({ connectionString: postgres.url, max: 2 });
  try {
    await migrate(pool);
    const rows = makeRows(rowCount);
    const importId = uuidv7();
    const limits = process.env.BENCH_CHUNK_BYTES
      ? { maxBytes: Number(process.env.BENCH_CHUNK_BYTES), maxRows: 1e6 }
      : chunkLimits;
    const chunker = new Chunker(importId, limits);
    const chunks: ImportChunk[] = [];
    for (const row of rows) {
      const chunk = chunker.add(row);
      if (chunk) chunks.push(chunk);
    }
    chunks.push(chunker.flush()!);

    const records = chunks.map(sqsRecord);

    // The catalog outbox is emptied too: the deployed worker projects a chunk's SKUs right after
    // its commit, which takes them off the outbox. Left full from the run before, it sent every
    // SKU of the next run down the outbox trigger's ON CONFLICT path (migration 007), about 1.5 s
    // more database CPU for 200,000 rows: the worker's ratio fell from run to run.
    const reset = async () => {
      await pool.query(
        'TRUNCATE products CASCADE; TRUNCATE import_chunks; TRUNCATE import_progress; TRUNCATE catalog_outbox',
      );
      await pool.query('VACUUM ANALYZE products');
      await pool.query('VACUUM ANALYZE catalog_outbox');
    };
    const loadedAll = async (path: string) => {
      const { rows: loaded } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM products');
      if (Number(loaded[0]!.n) !== rowCount) throw new Error(`${path} loaded ${loaded[0]!.n} of ${rowCount} rows`);
    };
    // Warm-up: caches and plans, then the measured runs on empty tables.
    await rawCopy(pool, rows.slice(0, 5000));
    await loaderPath(postgres.url, chunks.slice(0, 5), 1);
    await reset();
    await workerPath(postgres.url, records.slice(0, 5), 1);
    const runs: { copy: number; loader: number; serial: number; parallel: number }[] = [];
    for (let rep = 0; rep < reps; rep++) {
      await reset();
      const copy = await timed(() => rawCopy(pool, rows));
      await reset();
      const loader = await timed(() => loaderPath(postgres.url, chunks, 1));
      await loadedAll('the loader alone, 1 environment,');
      await reset();
      const serial = await timed(() => workerPath(postgres.url, records, 1));
      await loadedAll('the worker path, 1 environment,');
      await reset();
      const parallel = await timed(() => workerPath(postgres.url, records, concurrency));
      await loadedAll(`the worker path, ${concurrency} environments,`);
      runs.push({ copy: copy.seconds, loader: loader.seconds, serial: serial.seconds, parallel: parallel.seconds });
    }

    const rate = (seconds: number) => rowCount / seconds;
    const line = (path: string, key: 'copy' | 'loader' | 'serial' | 'parallel', target = '') => {
      const seconds = median(runs.map((r) => r[key]));
      const ratios = runs.map((r) => r.copy / r[key]);
      return `| ${path} | ${fmt(seconds, 2)} | ${fmt(rate(seconds))} | ${fmt(median(ratios), 2)} | ${target} | ${ratios.map((x) => fmt(x, 2)).join(' ')} |`;
    };
    const sizes = chunks.map((c) => c.rows.length);
    const table = [
      `${fmt(rowCount)} rows in ${fmt(chunks.length)} chunks of up to ${fmt(Math.max(...sizes))} rows (${limits === chunkLimits ? 'the default chunk limits' : 'BENCH_CHUNK_BYTES'}: ${fmt(limits.maxRows)} rows, ${fmt(limits.maxBytes / 1024, 1)} KiB of JSON); PostgreSQL 17 on this machine; median of ${reps} runs, each worker run against the COPY measured just before it. The worker path starts at the SQS messages (parse, payload schema, product rules, loader).`,
      '',
      '| path | seconds | rows/s | × COPY | target | × COPY, each run |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      line('raw `COPY` into a table shaped like `products`', 'copy'),
      line(
        `worker path from the SQS messages, 1 environment (judged), batches of ${batchSize} chunks side by side`,
        'serial',
        '≥ 0.6',
      ),
      line(
        `worker path from the SQS messages, ${concurrency} environments (reserved concurrency, as deployed)`,
        'parallel',
      ),
      line('the loader alone, given parsed chunks, 1 environment', 'loader'),
      '',
      `Target: the worker path at ≥ 0.6 × COPY in one environment (issue 12); ${concurrency} environments, the worker's reserved concurrency, shown beside it.`,
    ].join('\n');
    writeSection('ETL load rate (`npm run bench -- etl`)', table);
    return table;
  } finally {
    await pool.end();
    await postgres.stop();
  }
}

if (require.main === module) {
  benchEtl()
    .then((table) => console.log(table))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
