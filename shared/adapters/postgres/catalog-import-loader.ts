/**
 * Loads import chunks into PostgreSQL (migrations/002-import-sources.sql, 004-import-refusals.sql).
 * One transaction per chunk: record the chunk (a redelivery is recognised and changes nothing),
 * merge all its rows in one statement, record the refused rows, and add the chunk to the import's
 * progress. Rows travel as COPY's text or, for the merge, as arrays, one parameter per column,
 * unnested server-side: no per-row SQL. Each products statement (a COPY too) queues its SKUs in
 * the catalog outbox (migrations/003-catalog-outbox.sql) in the same transaction.
 *
 * A row the database refuses (a data exception or a broken constraint that validation did not
 * foresee) must not take its chunk with it: the merge runs under a savepoint, and when it fails
 * that way the chunk is split in halves, each merged under its own savepoint, down to the rows
 * that fail alone. Those are refused with the database's reason; every other row loads.
 *
 * The merge applies a row only when it is newer than the stored one, (source_id, source_row) being
 * the import's time-ordered id and the row number: the file's last row for a SKU wins, whatever
 * order chunks arrive in, and an older import never overwrites a newer one or a later admin edit.
 *
 * The fast path (almost every chunk): a chunk with no row refused before loading is written and
 * counted in one short transaction, no savepoint. A chunk of new SKUs (a first import, new
 * products) goes in by COPY, then one statement records and counts it: COPY writes the rows in
 * batches (a WAL record per page of rows rather than per row), and the rows travel as COPY's text,
 * cheaper to build in Node than node-postgres's escaped array literals and cheaper for PostgreSQL
 * to read than arrays to unnest (with the chunk schema's fast path in import-chunk.ts, what made
 * the worker fast: docs/imports.md, "Performance"). COPY has no ON CONFLICT: the first SKU that
 * exists fails it (23505 on the primary key), and the chunk is recorded and merged by one
 * statement instead, then counted. The transaction above runs only when neither can finish
 * the chunk alone: a redelivery (nothing written, so there are refusals and counts to read), rows
 * refused before loading, or a row the database refuses (all rolled back; the savepoints find the
 * row). The count comes after the write: in the write's statement, the import's progress row
 * would stay locked through the outbox trigger, and the chunks of an import loaded at the same
 * time would queue for it.
 */
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DatabaseError, type Pool, type PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { changedBy } from '../../catalog/changed-by';
import type { ImportChunk } from '../../imports/import-chunk';
import type { RowRefusal } from '../../imports/import-job';
import type { CatalogLoader, ChunkLoadResult } from '../../imports/import-ports';

// Nothing comes back: the chunk says what was written, and the outbox what to project (returning
// whole rows cost a third of the load rate; bench/results.md). `onlyIf` is a condition on the
// whole statement (the merge path's: the chunk is new).
const insertRows = (onlyIf = '') => `
  INSERT INTO products AS p
    (sku, name, description, category, price_cents, currency, stock, source_id, source_row, changed_by)
  SELECT sku, name, description, category, price_cents, currency, stock, $1::uuid, source_row, $10
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::int[], $9::int[])
    AS r(sku, name, description, category, price_cents, currency, stock, source_row)
  ${onlyIf}`;
const newerRowWins = `
  ON CONFLICT (sku) DO UPDATE SET
    name = EXCLUDED.name, description = EXCLUDED.description, category = EXCLUDED.category,
    price_cents = EXCLUDED.price_cents, currency = EXCLUDED.currency, stock = EXCLUDED.stock,
    source_id = EXCLUDED.source_id, source_row = EXCLUDED.source_row, changed_by = EXCLUDED.changed_by,
    deleted_at = NULL, version = p.version + 1, updated_at = now()
  WHERE (p.source_id, p.source_row) < (EXCLUDED.source_id, EXCLUDED.source_row)`;
const mergeSql = insertRows() + newerRowWins;

// The merge path's write: the chunk recorded and its rows merged in one statement. The chunk's
// insert runs first (the write's EXISTS needs it) and does nothing for a redelivery, which then
// writes nothing and answers recorded = false.
const mergeChunkSql = `
  WITH chunk AS (
    INSERT INTO import_chunks (import_id, chunk_no, row_count) VALUES ($1, $11, $12)
    ON CONFLICT DO NOTHING
    RETURNING 1
  ), written AS (
    ${insertRows('WHERE EXISTS (SELECT FROM chunk)') + newerRowWins}
  )
  SELECT EXISTS (SELECT FROM chunk) AS recorded`;
// A statement of its own, after the write (and its outbox trigger), just before COMMIT: the
// import's progress row, which all its chunks update, stays locked only briefly.
const countChunkSql = `
  INSERT INTO import_progress AS ip (import_id, rows_loaded, rows_refused) VALUES ($1, $2, $3)
  ON CONFLICT (import_id) DO UPDATE SET rows_loaded = ip.rows_loaded + EXCLUDED.rows_loaded,
    rows_refused = ip.rows_refused + EXCLUDED.rows_refused
  RETURNING rows_loaded, rows_refused`;

// The copy path's write. Without ON CONFLICT, so the first SKU that exists fails it (23505 on the
// primary key) and the merge path does the chunk instead, applying the newer-row rule.
const copyRowsSql = `COPY products
  (sku, name, description, category, price_cents, currency, stock, source_row, source_id, changed_by) FROM STDIN`;
// The copy path records the chunk after its rows, with its count, in one statement: a chunk
// recorded before (a redelivery, whose SKUs normally exist already and fail the COPY first) adds
// no progress and answers no row, and the transaction is rolled back.
const recordAndCountSql = `
  WITH chunk AS (
    INSERT INTO import_chunks (import_id, chunk_no, row_count) VALUES ($1, $2, $3)
    ON CONFLICT DO NOTHING
    RETURNING 1
  )
  INSERT INTO import_progress AS ip (import_id, rows_loaded, rows_refused)
  SELECT $1, $3, 0 WHERE EXISTS (SELECT FROM chunk)
  ON CONFLICT (import_id) DO UPDATE SET rows_loaded = ip.rows_loaded + EXCLUDED.rows_loaded
  RETURNING rows_loaded, rows_refused`;

// COPY's text format: a backslash, tab, line feed or carriage return in a field is escaped; all
// else goes as it is (NUL too: PostgreSQL refuses it, 22021, as it does in a parameter).
const copySpecial = /[\\\t\n\r]/;
const copyEscapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const copyField = (text: string) =>
  copySpecial.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => copyEscapes[c]!) : text;

type Row = ImportChunk['rows'][number];
type Progress = { rows_loaded: number; rows_refused: number };

/**
 * A chunk may hold a SKU more than once: only its last row goes in (ON CONFLICT cannot touch one
 * row twice in a statement). The earlier ones count as loaded: the file's later row won. In SKU
 * order, so that chunks merged at the same time (a batch's, or other environments') lock the
 * products they share in the same order and wait for each other rather than deadlock.
 */
const lastRowPerSku = (rows: Row[]): Row[] =>
  [...new Map(rows.map((r) => [r.sku, r])).values()].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));

/** mergeSql's parameters: the rows as one array per column. */
const mergeValues = (importId: string, rows: Row[]) => [
  importId,
  rows.map((r) => r.sku),
  rows.map((r) => r.name),
  rows.map((r) => r.description),
  rows.map((r) => r.category),
  rows.map((r) => r.priceCents),
  rows.map((r) => r.currency),
  rows.map((r) => r.stock),
  rows.map((r) => r.row),
  changedBy.import(importId),
];

/** The rows as COPY's text: one line each, the import's id and changed_by on every line. */
function copyText(importId: string, rows: Row[]): string {
  const tail = `\t${importId}\t${copyField(changedBy.import(importId))}\n`;
  let text = '';
  for (const r of rows) {
    text += `${copyField(r.sku)}\t${copyField(r.name)}\t${copyField(r.description)}\t${copyField(r.category)}\t`;
    text += `${r.priceCents}\t${copyField(r.currency)}\t${r.stock}\t${r.row}${tail}`;
  }
  return text;
}

/** The error COPY gives when a SKU of the chunk exists already: the chunk needs the merge. */
const existingSku = (error: unknown) =>
  error instanceof DatabaseError && error.code === '23505' && error.constraint === 'products_pkey';

/** SQLSTATE classes of errors caused by the row's data: 22 data exception, 23 integrity constraint. */
const refusedByData = (error: unknown): error is DatabaseError =>
  error instanceof DatabaseError && (error.code?.startsWith('22') === true || error.code?.startsWith('23') === true);

/** The database's refusal in words an admin can act on, without its internals. */
function refusalReason(error: DatabaseError): string {
  if (error.constraint) return `the database refused the row: it breaks ${error.constraint} (SQLSTATE ${error.code})`;
  return `the database refused the row: ${error.message.split('\n')[0]} (SQLSTATE ${error.code})`;
}

export class PostgresCatalogImportLoader implements CatalogLoader {
  constructor(private readonly pool: Pool) {}

  async load(chunk: ImportChunk, refusedBefore: RowRefusal[]): Promise<ChunkLoadResult> {
    if (refusedBefore.length === 0) {
      const loaded = await this.loadOnFastPath(chunk);
      if (loaded) return loaded;
    }
    return this.loadInTransaction(chunk, refusedBefore);
  }

  /**
   * The fast path, in one transaction: the rows copied in (new SKUs), or else merged, then the
   * chunk recorded and counted. Undefined when the chunk was recorded before or a row was refused
   * by the database, with nothing written (rolled back); the full path then does it.
   */
  private async loadOnFastPath(chunk: ImportChunk): Promise<ChunkLoadResult | undefined> {
    const rows = lastRowPerSku(chunk.rows);
    const client = await this.pool.connect();
    try {
      const progress = await this.copyChunk(client, chunk, rows).catch((error: unknown) => {
        if (existingSku(error)) return this.mergeChunk(client, chunk, rows);
        throw error;
      });
      if (!progress) return undefined;
      await client.query('COMMIT');
      return { rowsLoaded: progress.rows_loaded, rowsRefused: progress.rows_refused, refusals: [], duplicate: false };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (refusedByData(error)) return undefined;
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Copies the rows in and records and counts the chunk, leaving the transaction open for COMMIT;
   * undefined, rolled back, for a chunk recorded before; rolled back and thrown on any error.
   */
  private async copyChunk(client: PoolClient, chunk: ImportChunk, rows: Row[]): Promise<Progress | undefined> {
    await client.query('BEGIN');
    try {
      const copy = client.query(copyFrom(copyRowsSql));
      await pipeline(Readable.from([copyText(chunk.importId, rows)]), copy as unknown as Writable);
      const {
        rows: [progress],
      } = await client.query<Progress>({
        name: 'record-and-count-import-chunk',
        text: recordAndCountSql,
        values: [chunk.importId, chunk.chunk, chunk.rows.length],
      });
      if (progress) return progress;
      await client.query('ROLLBACK');
      return undefined;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** As copyChunk, for a chunk holding SKUs that exist: the merge, then the count. */
  private async mergeChunk(client: PoolClient, chunk: ImportChunk, rows: Row[]): Promise<Progress | undefined> {
    await client.query('BEGIN');
    try {
      // Prepared once per connection: parsed and planned once, not per chunk.
      const {
        rows: [written],
      } = await client.query<{ recorded: boolean }>({
        name: 'merge-import-chunk',
        text: mergeChunkSql,
        values: [...mergeValues(chunk.importId, rows), chunk.chunk, chunk.rows.length],
      });
      if (!written!.recorded) {
        await client.query('ROLLBACK');
        return undefined;
      }
      const {
        rows: [progress],
      } = await client.query<Progress>(countChunkSql, [chunk.importId, chunk.rows.length, 0]);
      return progress;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private async loadInTransaction(chunk: ImportChunk, refusedBefore: RowRefusal[]): Promise<ChunkLoadResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rowCount } = await client.query(
        `INSERT INTO import_chunks (import_id, chunk_no, row_count) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [chunk.importId, chunk.chunk, chunk.rows.length + refusedBefore.length],
      );
      const duplicate = rowCount === 0;
      let refusals: RowRefusal[];
      let progress: { rows_loaded: number; rows_refused: number } | undefined;
      if (duplicate) {
        const { rows } = await client.query<RowRefusal>(
          'SELECT row_no AS row, sku, reason FROM import_refusals WHERE import_id = $1 AND chunk_no = $2 ORDER BY row_no',
          [chunk.importId, chunk.chunk],
        );
        refusals = rows;
        ({
          rows: [progress],
        } = await client.query<{ rows_loaded: number; rows_refused: number }>(
          'SELECT rows_loaded, rows_refused FROM import_progress WHERE import_id = $1',
          [chunk.importId],
        ));
      } else {
        refusals = [...refusedBefore, ...(await this.merge(client, chunk.importId, chunk.rows))].sort(
          (a, b) => a.row - b.row,
        );
        if (refusals.length) {
          await client.query(
            `INSERT INTO import_refusals (import_id, chunk_no, row_no, sku, reason)
             SELECT $1, $2, * FROM unnest($3::int[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING`,
            [
              chunk.importId,
              chunk.chunk,
              refusals.map((r) => r.row),
              refusals.map((r) => r.sku),
              refusals.map((r) => r.reason),
            ],
          );
        }
        // Last, so the progress row (shared by the import's chunks) stays locked only briefly.
        const loaded = chunk.rows.length + refusedBefore.length - refusals.length;
        ({
          rows: [progress],
        } = await client.query<{ rows_loaded: number; rows_refused: number }>(countChunkSql, [
          chunk.importId,
          loaded,
          refusals.length,
        ]));
      }
      await client.query('COMMIT');
      return {
        rowsLoaded: progress?.rows_loaded ?? 0,
        rowsRefused: progress?.rows_refused ?? 0,
        refusals,
        duplicate,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Merges the rows; returns the ones the database refused (none, almost always). */
  private async merge(client: PoolClient, importId: string, all: Row[]): Promise<RowRefusal[]> {
    if (all.length === 0) return [];
    const rows = lastRowPerSku(all);
    await client.query('SAVEPOINT merge');
    try {
      await client.query(mergeSql, mergeValues(importId, rows));
      await client.query('RELEASE SAVEPOINT merge');
      return [];
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT merge');
      if (!refusedByData(error)) throw error;
      if (rows.length === 1) return [{ row: rows[0]!.row, sku: rows[0]!.sku, reason: refusalReason(error) }];
      const half = Math.ceil(rows.length / 2);
      return [
        ...(await this.merge(client, importId, rows.slice(0, half))),
        ...(await this.merge(client, importId, rows.slice(half))),
      ];
    }
  }
}
