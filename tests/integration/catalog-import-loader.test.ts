// PostgresCatalogImportLoader against the local stack's PostgreSQL (migrations applied by the stack):
// the later row wins whatever order chunks arrive in, a redelivered chunk changes nothing, an
// older import never overwrites a newer import's rows or a later admin edit, and a row the
// database refuses is refused alone.
import { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { PostgresCatalogImportLoader } from '../../shared/adapters/postgres/catalog-import-loader';
import { PostgresProductRepository } from '../../shared/adapters/postgres/product-repository';
import type { CatalogRow } from '../../shared/imports/catalog-row';
import type { ImportChunk } from '../../shared/imports/import-chunk';
import type { RowRefusal } from '../../shared/imports/import-job';
import { closeDb, db, uniqueSku } from './helpers';

afterAll(closeDb);

/** The loader with no rows refused before loading, as it is called for a chunk of valid rows. */
const loader = (pool: Pool = db()) => {
  const real = new PostgresCatalogImportLoader(pool);
  return { load: (c: ImportChunk, refused: RowRefusal[] = []) => real.load(c, refused) };
};

/** An import id created `msAgo` milliseconds ago (UUIDv7: later imports have larger ids). */
const importIdAt = (msAgo = 0) => uuidv7({ msecs: Date.now() - msAgo });

const row = (rowNo: number, sku: string, overrides: Partial<CatalogRow> = {}): CatalogRow => ({
  row: rowNo,
  sku,
  name: `Imported ${sku} row ${rowNo}`,
  description: `row ${rowNo}`,
  category: 'it-import',
  priceCents: rowNo * 100,
  currency: 'EUR',
  stock: rowNo,
  ...overrides,
});

const chunk = (importId: string, chunkNo: number, rows: CatalogRow[]): ImportChunk => ({
  importId,
  chunk: chunkNo,
  rows,
});

interface StoredProduct {
  name: string;
  price_cents: number;
  stock: number;
  version: string;
  source_id: string;
  source_row: number;
  deleted: boolean;
  updated_at: Date;
  changed_by: string | null;
}

async function stored(sku: string): Promise<StoredProduct | undefined> {
  const { rows } = await db().query<StoredProduct>(
    `SELECT name, price_cents, stock, version, source_id, source_row, deleted_at IS NOT NULL AS deleted, updated_at,
       changed_by
     FROM products WHERE sku = $1`,
    [sku],
  );
  return rows[0];
}

async function chunksRecorded(importId: string): Promise<{ chunk_no: number; row_count: number }[]> {
  const { rows } = await db().query<{ chunk_no: number; row_count: number }>(
    'SELECT chunk_no, row_count FROM import_chunks WHERE import_id = $1 ORDER BY chunk_no',
    [importId],
  );
  return rows;
}

describe('PostgresCatalogImportLoader', () => {
  it('inserts new products and counts them, recording the import as who changed them', async () => {
    const importId = importIdAt();
    const [a, b] = [uniqueSku('IMP'), uniqueSku('IMP')];

    const result = await loader().load(chunk(importId, 1, [row(1, a), row(2, b)]));

    expect(result).toEqual({ duplicate: false, rowsLoaded: 2, rowsRefused: 0, refusals: [] });
    expect(await stored(a)).toMatchObject({
      name: `Imported ${a} row 1`,
      price_cents: 100,
      stock: 1,
      version: '1',
      source_id: importId,
      source_row: 1,
      deleted: false,
      changed_by: `import:${importId}`,
    });
  });

  it('refuses a row the database refuses (a NUL PostgreSQL cannot store) alone, and loads the rest of the chunk', async () => {
    const importId = importIdAt();
    const [a, bad, c] = [uniqueSku('IMP'), uniqueSku('IMP'), uniqueSku('IMP')];
    // Validation would have refused these; the loader must cope without it all the same.
    const rows = [
      row(1, a),
      row(2, bad, { name: 'Sen\u0000cha' }),
      row(3, c),
      row(4, uniqueSku('IMP'), { currency: 'EU' }),
    ];

    const result = await loader().load(chunk(importId, 1, rows));

    expect(result.rowsLoaded).toBe(2);
    expect(result.rowsRefused).toBe(2);
    expect(result.refusals).toEqual([
      { row: 2, sku: bad, reason: expect.stringMatching(/^the database refused the row: .*\(SQLSTATE 22021\)$/) },
      { row: 4, sku: rows[3]!.sku, reason: expect.stringContaining('products_currency_check (SQLSTATE 23514)') },
    ]);
    expect(await stored(a)).toMatchObject({ source_row: 1 });
    expect(await stored(c)).toMatchObject({ source_row: 3 });
    expect(await stored(bad)).toBeUndefined();
    expect(await chunksRecorded(importId)).toEqual([{ chunk_no: 1, row_count: 4 }]);
    // A redelivery answers with the same refusals, counting nothing twice.
    const again = await loader().load(chunk(importId, 1, rows));
    expect(again).toEqual({ ...result, duplicate: true });
  });

  it("stores text as it was given, whatever COPY's text format would read in it", async () => {
    const importId = importIdAt();
    const sku = uniqueSku('IMP');
    const description = 'tab\there, line\nbreak, CR\r\n, back\\slash, \\N, \\., é 🍵';

    await loader().load(chunk(importId, 1, [row(1, sku, { name: 'Back\\slash \\t', description })]));

    const { rows } = await db().query<{ name: string; description: string }>(
      'SELECT name, description FROM products WHERE sku = $1',
      [sku],
    );
    expect(rows).toEqual([{ name: 'Back\\slash \\t', description }]);
  });

  it('records rows refused before loading with the chunk, and counts them', async () => {
    const importId = importIdAt();
    const a = uniqueSku('IMP');
    const refused = [{ row: 1, sku: uniqueSku('IMP'), reason: 'name contains U+0000 (NUL), which cannot be stored' }];

    const result = await loader().load(chunk(importId, 1, [row(2, a)]), refused);

    expect(result).toEqual({ duplicate: false, rowsLoaded: 1, rowsRefused: 1, refusals: refused });
    expect(await chunksRecorded(importId)).toEqual([{ chunk_no: 1, row_count: 2 }]);
  });

  it('keeps the later row for a SKU that appears more than once in one chunk', async () => {
    const importId = importIdAt();
    const [a, b] = [uniqueSku('IMP'), uniqueSku('IMP')];

    const result = await loader().load(
      chunk(importId, 1, [row(1, a), row(2, b), row(3, a, { name: 'a, final' }), row(4, uniqueSku('IMP')), row(5, b)]),
    );

    expect(result.rowsLoaded).toBe(5);
    expect(await stored(a)).toMatchObject({ name: 'a, final', price_cents: 300, source_row: 3 });
    expect(await stored(b)).toMatchObject({ price_cents: 500, stock: 5, source_row: 5 });
  });

  it('keeps the later row across chunks delivered out of order', async () => {
    const importId = importIdAt();
    const [a, b] = [uniqueSku('IMP'), uniqueSku('IMP')];

    // Chunk 2 (rows 3-4) arrives before chunk 1 (rows 1-2); both hold a row for `a`.
    const second = await loader().load(chunk(importId, 2, [row(3, a), row(4, b)]));
    const first = await loader().load(chunk(importId, 1, [row(1, a), row(2, uniqueSku('IMP'))]));

    expect(second.rowsLoaded).toBe(2);
    expect(first.rowsLoaded).toBe(4);
    expect(await stored(a)).toMatchObject({ price_cents: 300, stock: 3, source_row: 3, version: '1' });
  });

  it('recognises a chunk delivered twice and changes nothing', async () => {
    const importId = importIdAt();
    const [a, b] = [uniqueSku('IMP'), uniqueSku('IMP')];
    const first = chunk(importId, 1, [row(1, a), row(2, b)]);
    await loader().load(first);
    // A later chunk changes `a` before chunk 1 comes back.
    await loader().load(chunk(importId, 2, [row(7, a, { name: 'from chunk 2' })]));
    const before = { a: await stored(a), b: await stored(b) };

    const again = await loader().load(first);

    expect(again.duplicate).toBe(true);
    expect(again.rowsLoaded).toBe(3);
    expect({ a: await stored(a), b: await stored(b) }).toEqual(before);
    expect(await chunksRecorded(importId)).toEqual([
      { chunk_no: 1, row_count: 2 },
      { chunk_no: 2, row_count: 1 },
    ]);
  });

  it('merges a chunk holding a SKU that exists, applying the newer-row rule to it, each new SKU inserted once', async () => {
    const importId = importIdAt(1_000);
    const [a, b, c] = [uniqueSku('IMP'), uniqueSku('IMP'), uniqueSku('IMP')].sort() as [string, string, string];
    await new PostgresProductRepository(db()).upsert(
      b,
      { name: 'Edited by an admin', description: '', category: 'it-admin', priceCents: 1, currency: 'EUR', stock: 1 },
      'admin:it-admin',
    );

    // b exists (and is newer): the insert of new SKUs fails on it, the merge loads a and c and keeps b.
    const result = await loader().load(chunk(importId, 1, [row(1, a), row(2, b), row(3, c)]));

    expect(result).toEqual({ duplicate: false, rowsLoaded: 3, rowsRefused: 0, refusals: [] });
    expect(await stored(a)).toMatchObject({ source_id: importId, source_row: 1, version: '1' });
    expect(await stored(b)).toMatchObject({ name: 'Edited by an admin', source_row: 0 });
    expect(await stored(c)).toMatchObject({ source_id: importId, source_row: 3, version: '1' });
    expect(await chunksRecorded(importId)).toEqual([{ chunk_no: 1, row_count: 3 }]);
  });

  it('loads a chunk once when its redelivery arrives while the first delivery is still loading', async () => {
    const importId = importIdAt();
    const skus = Array.from({ length: 50 }, () => uniqueSku('IMP'));
    const delivered = chunk(
      importId,
      1,
      skus.map((sku, i) => row(i + 1, sku)),
    );
    const pool = new Pool({ connectionString: process.env.SHELF_TEST_DATABASE_URL, max: 2 });
    try {
      const both = await Promise.all([loader(pool).load(delivered), loader(pool).load(delivered)]);

      expect(both.map((r) => r.duplicate).sort()).toEqual([false, true]);
      expect(both.map((r) => r.rowsLoaded)).toEqual([50, 50]);
      expect(await chunksRecorded(importId)).toEqual([{ chunk_no: 1, row_count: 50 }]);
      expect(await stored(skus[49]!)).toMatchObject({ source_row: 50, version: '1' });
    } finally {
      await pool.end();
    }
  });

  it('loads two chunks sharing SKUs side by side, as a batch is, keeping the later rows', async () => {
    const importId = importIdAt();
    const skus = Array.from({ length: 40 }, () => uniqueSku('IMP'));
    // The same SKUs in opposite orders: merged as they come, the two would lock them in opposite orders.
    const first = chunk(
      importId,
      1,
      skus.map((sku, i) => row(i + 1, sku)),
    );
    const second = chunk(
      importId,
      2,
      [...skus].reverse().map((sku, i) => row(100 + i, sku, { name: `second ${sku}` })),
    );
    const pool = new Pool({ connectionString: process.env.SHELF_TEST_DATABASE_URL, max: 2 });
    try {
      const results = await Promise.all([loader(pool).load(first), loader(pool).load(second)]);

      expect(Math.max(...results.map((r) => r.rowsLoaded))).toBe(80);
      for (const [i, sku] of skus.entries()) {
        expect(await stored(sku)).toMatchObject({ name: `second ${sku}`, source_row: 139 - i });
      }
    } finally {
      await pool.end();
    }
  });

  it('counts every chunk once in rowsLoaded, whatever the order and the redeliveries', async () => {
    const importId = importIdAt();
    const skus = Array.from({ length: 6 }, () => uniqueSku('IMP'));
    const chunks = [
      chunk(importId, 1, [row(1, skus[0]!), row(2, skus[1]!), row(3, skus[2]!)]),
      chunk(importId, 2, [row(4, skus[3]!), row(5, skus[4]!)]),
      chunk(importId, 3, [row(6, skus[5]!)]),
    ];

    const seen: [number, boolean][] = [];
    for (const c of [chunks[1]!, chunks[1]!, chunks[2]!, chunks[0]!, chunks[2]!, chunks[0]!]) {
      const { rowsLoaded, duplicate } = await loader().load(c);
      seen.push([rowsLoaded, duplicate]);
    }

    expect(seen).toEqual([
      [2, false],
      [2, true],
      [3, false],
      [6, false],
      [6, true],
      [6, true],
    ]);
    // Another import's chunks are counted apart.
    const other = await loader().load(chunk(importIdAt(), 1, [row(1, uniqueSku('IMP'))]));
    expect(other.rowsLoaded).toBe(1);
  });

  it('never lets an older import (smaller UUIDv7) overwrite a newer one, in either order', async () => {
    const older = importIdAt(60_000);
    const newer = importIdAt();
    expect(older < newer).toBe(true);
    const [a, b] = [uniqueSku('IMP'), uniqueSku('IMP')];

    // a: the newer import loads first, then a late chunk of the older one, with a larger row number.
    await loader().load(chunk(newer, 1, [row(1, a, { name: 'newer' })]));
    const late = await loader().load(chunk(older, 9, [row(999, a, { name: 'older' })]));
    // b: the older import loads first; the newer one replaces it.
    await loader().load(chunk(older, 1, [row(2, b, { name: 'older' })]));
    await loader().load(chunk(newer, 2, [row(1, b, { name: 'newer' })]));

    expect(late.rowsLoaded).toBe(1);
    expect(await stored(a)).toMatchObject({ name: 'newer', source_id: newer, source_row: 1, version: '1' });
    expect(await stored(b)).toMatchObject({ name: 'newer', source_id: newer, source_row: 1, version: '2' });
  });

  it('lets an admin upsert made after an import win over a late chunk of that import', async () => {
    const importId = importIdAt(1_000);
    const sku = uniqueSku('IMP');
    await loader().load(chunk(importId, 1, [row(1, sku)]));

    const edited = await new PostgresProductRepository(db()).upsert(
      sku,
      {
        name: 'Edited by an admin',
        description: '',
        category: 'it-admin',
        priceCents: 4242,
        currency: 'USD',
        stock: 42,
      },
      'admin:it-admin',
    );
    const late = await loader().load(chunk(importId, 2, [row(500, sku, { name: 'late chunk' })]));

    expect(late.duplicate).toBe(false);
    expect(await stored(sku)).toMatchObject({
      name: 'Edited by an admin',
      price_cents: 4242,
      stock: 42,
      source_row: 0,
      version: String(edited.version),
      changed_by: 'admin:it-admin',
    });
  });

  it('does not bring back a product an admin deleted after the import started', async () => {
    const importId = importIdAt(1_000);
    const sku = uniqueSku('IMP');
    await loader().load(chunk(importId, 1, [row(1, sku)]));
    await new PostgresProductRepository(db()).remove(sku, 'admin:it-admin');

    const late = await loader().load(chunk(importId, 2, [row(2, sku)]));

    expect(late.duplicate).toBe(false);
    expect(await stored(sku)).toMatchObject({ deleted: true, source_row: 0 });
  });

  it('lets a newer import revive a product deleted before it', async () => {
    const sku = uniqueSku('IMP');
    await new PostgresProductRepository(db()).upsert(
      sku,
      {
        name: 'Old',
        description: '',
        category: 'it-admin',
        priceCents: 1,
        currency: 'EUR',
        stock: 1,
      },
      'admin:it-admin',
    );
    await new PostgresProductRepository(db()).remove(sku, 'admin:it-admin');
    await new Promise((resolve) => setTimeout(resolve, 5));

    const result = await loader().load(chunk(importIdAt(), 1, [row(1, sku)]));

    expect(result.rowsLoaded).toBe(1);
    expect(await stored(sku)).toMatchObject({ deleted: false, name: `Imported ${sku} row 1` });
  });

  it('rolls a chunk back entirely when the database fails for another reason, so that its redelivery loads it', async () => {
    const importId = importIdAt();
    const sku = uniqueSku('IMP');
    // A statement timeout (SQLSTATE 57014) is no fault of any row: nothing is refused, nothing recorded.
    const slow = new Pool({
      connectionString: process.env.SHELF_TEST_DATABASE_URL,
      max: 1,
      options: '-c statement_timeout=1',
    });
    try {
      const rows = Array.from({ length: 2000 }, (_, i) => row(i + 1, i === 0 ? sku : uniqueSku('IMP')));
      await expect(loader(slow).load(chunk(importId, 1, rows))).rejects.toThrow(/statement timeout/);
    } finally {
      await slow.end();
    }

    expect(await chunksRecorded(importId)).toEqual([]);
    expect(await stored(sku)).toBeUndefined();
    const retried = await loader().load(chunk(importId, 1, [row(1, sku)]));
    expect(retried).toMatchObject({ duplicate: false, rowsLoaded: 1 });
  });

  it('reports the full rowsLoaded to one of several chunks of an import loaded at the same time', async () => {
    // The job's rowsLoaded only rises to what a chunk reports: if chunks committing at the same
    // moment each missed the others' rows (a sum read before the others commit), no chunk would
    // report the total and the job would stay LOADING for ever.
    const parallel = 6;
    const pool = new Pool({ connectionString: process.env.SHELF_TEST_DATABASE_URL, max: parallel + 1 });
    const locker = await pool.connect();
    try {
      const skus = Array.from({ length: parallel }, () => uniqueSku('IMP'));
      await loader(pool).load(
        chunk(
          importIdAt(1_000),
          1,
          skus.map((sku, i) => row(i + 1, sku)),
        ),
      );
      const importId = importIdAt();
      // Hold the products' rows so that every chunk waits at the same point, then let them all go.
      await locker.query('BEGIN');
      await locker.query('SELECT sku FROM products WHERE sku = ANY($1) FOR UPDATE', [skus]);
      const { rows } = await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const lockerPid = rows[0]!.pid;
      const concurrentLoader = loader(pool);
      const loads = skus.map((sku, i) => concurrentLoader.load(chunk(importId, i + 1, [row(i + 1, sku)])));
      for (let waited = 0; waited < 10_000; waited += 20) {
        const { rows: blocked } = await db().query<{ n: string }>(
          'SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
          [lockerPid],
        );
        if (Number(blocked[0]!.n) === parallel) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await locker.query('COMMIT');
      const results = await Promise.all(loads);

      expect((await chunksRecorded(importId)).length).toBe(parallel);
      expect(Math.max(...results.map((r) => r.rowsLoaded))).toBe(parallel);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      locker.release();
      await pool.end();
    }
  });
});
