// Grouping valid rows into queue messages, and the schema the ETL worker checks them against.
import { Chunker, chunkLimits, importChunkSchema, rowJsonBytes } from '../../../shared/imports/import-chunk';
import type { ImportChunk } from '../../../shared/imports/import-chunk';
import { aChunk, aRow, importId } from './import-fixtures';

/** What a row adds to a chunk's size, as the chunker counts it. */
const rowBytes = (row: ReturnType<typeof aRow>) => Buffer.byteLength(JSON.stringify(row)) + 1;

describe('Chunker', () => {
  it('returns nothing until a chunk is full, then the full chunk when the next row comes', () => {
    const chunker = new Chunker(importId, { maxRows: 2, maxBytes: 60 * 1024 });

    expect(chunker.add(aRow(1))).toBeUndefined();
    expect(chunker.add(aRow(2))).toBeUndefined();
    const full = chunker.add(aRow(3));

    expect(full).toEqual({ importId, chunk: 1, rows: [aRow(1), aRow(2)] });
    expect(chunker.chunksMade).toBe(1);
  });

  it('numbers chunks from 1 and flushes the rest as the last chunk', () => {
    const chunker = new Chunker(importId, { maxRows: 2, maxBytes: 60 * 1024 });
    const made = [1, 2, 3, 4, 5].map((n) => chunker.add(aRow(n))).filter((c) => c !== undefined);

    const last = chunker.flush();

    expect(made.map((c) => [c.chunk, c.rows.map((r) => r.row)])).toEqual([
      [1, [1, 2]],
      [2, [3, 4]],
    ]);
    expect(last).toEqual({ importId, chunk: 3, rows: [aRow(5)] });
    expect(chunker.chunksMade).toBe(3);
  });

  it('flushes nothing when it holds no rows, and does not count a chunk', () => {
    const chunker = new Chunker(importId);

    expect(chunker.flush()).toBeUndefined();
    chunker.add(aRow(1));
    expect(chunker.flush()).toMatchObject({ chunk: 1 });
    expect(chunker.flush()).toBeUndefined();
    expect(chunker.chunksMade).toBe(1);
  });

  it('cuts a chunk before the row that would take it over maxBytes', () => {
    const rows = [1, 2, 3, 4].map((n) => aRow(n));
    const maxBytes = rowBytes(rows[0]!) + rowBytes(rows[1]!);
    const chunker = new Chunker(importId, { maxRows: 100, maxBytes });

    const made = rows.map((row) => chunker.add(row)).filter((c) => c !== undefined);
    made.push(chunker.flush()!);

    expect(made.map((c) => c.rows.map((r) => r.row))).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('puts a row bigger than maxBytes in a chunk of its own rather than dropping it', () => {
    const big = aRow(2, 'BIG', { description: 'x'.repeat(2000) });
    const chunker = new Chunker(importId, { maxRows: 100, maxBytes: 1000 });

    const first = chunker.add(aRow(1));
    const second = chunker.add(big);
    const third = chunker.add(aRow(3));

    expect(first).toBeUndefined();
    expect(second?.rows.map((r) => r.row)).toEqual([1]);
    expect(third?.rows.map((r) => r.row)).toEqual([2]);
    expect(chunker.flush()?.rows.map((r) => r.row)).toEqual([3]);
  });

  it('counts bytes, not characters', () => {
    const wide = (n: number) => aRow(n, `W-${n}`, { name: '茶'.repeat(100) });
    // Two such rows fit in this many characters, but not in this many UTF-8 bytes.
    const charactersOfTwo = 2 * (JSON.stringify(wide(1)).length + 1);
    expect(rowBytes(wide(1)) + rowBytes(wide(2))).toBeGreaterThan(charactersOfTwo);
    const chunker = new Chunker(importId, { maxRows: 100, maxBytes: charactersOfTwo });

    chunker.add(wide(1));
    const full = chunker.add(wide(2));

    expect(full?.rows.map((r) => r.row)).toEqual([1]);
  });

  it('keeps a chunk of the default limits, as a message, within one 240 KiB SendMessageBatch', () => {
    expect(chunkLimits.maxRows).toBe(2000);
    const messageBytes = (chunk: ImportChunk) => Buffer.byteLength(JSON.stringify(chunk));
    // Short rows fill a chunk by count, long ones (the longest fields a row may have) by size.
    const short = Array.from({ length: 2001 }, (_, i) => aRow(i + 1));
    const long = Array.from({ length: 300 }, (_, i) =>
      aRow(i + 1, `L-${i + 1}`.padEnd(40, '0'), { name: '茶'.repeat(200), description: '"'.repeat(2000) }),
    );

    for (const rows of [short, long]) {
      const chunker = new Chunker(importId);
      const made = rows.map((row) => chunker.add(row)).filter((c) => c !== undefined);
      made.push(chunker.flush()!);

      expect(made.length).toBeGreaterThan(1);
      expect(made.flatMap((c) => c.rows)).toHaveLength(rows.length);
      for (const chunk of made) expect(messageBytes({ ...chunk, chunk: 2 ** 31 - 1 })).toBeLessThanOrEqual(240 * 1024);
      // Nearly full: a message carries about as much as it can.
      expect(messageBytes(made[0]!)).toBeGreaterThan(rows === long ? 200 * 1024 : 0);
    }
  });

  it('hands out chunks whose rows later adds do not change', () => {
    const chunker = new Chunker(importId, { maxRows: 1, maxBytes: 60 * 1024 });
    chunker.add(aRow(1));

    const full = chunker.add(aRow(2))!;
    chunker.add(aRow(3));

    expect(full.rows).toEqual([aRow(1)]);
  });
});

describe('rowJsonBytes', () => {
  it.each([
    ['a plain row', aRow(1)],
    ['quotes and backslashes', aRow(2, 'Q-2', { name: 'The "big" one \\ back', description: '\\"' })],
    ['control characters', aRow(3, 'C-3', { name: 'tab\there', description: 'new\nline\r\u0000\u001f\u007f' })],
    ['multi-byte text', aRow(4, 'U-4', { name: '玉露 Gyokuro – première 🍵', description: 'Ünïcödé' })],
    ['lone surrogates and separators', aRow(5, 'S-5', { name: '\ud800 \udfff', description: '\u2028\u2029\ufeff' })],
    ['empty strings', aRow(6, 'E-6', { description: '', name: '' })],
    ['large and odd numbers', aRow(1_234_567, 'N-7', { priceCents: 100_000_000, stock: 0, row: -0 })],
    ['non-finite and fractional numbers', aRow(8, 'N-8', { priceCents: Number.NaN, stock: 1.5 })],
  ])('is the UTF-8 size of the JSON of %s', (_, row) => {
    expect(rowJsonBytes(row)).toBe(Buffer.byteLength(JSON.stringify(row)));
  });

  it('is exact for every single character a field can hold', () => {
    for (let code = 0; code < 0x10000; code += code < 0x800 ? 1 : 97) {
      const row = aRow(code + 1, 'X', { name: `a${String.fromCharCode(code)}b` });
      expect([code, rowJsonBytes(row)]).toEqual([code, Buffer.byteLength(JSON.stringify(row))]);
    }
  });
});

describe('importChunkSchema', () => {
  const valid = aChunk(1, [aRow(1), aRow(2)]);

  it('accepts a chunk the chunker made', () => {
    const chunker = new Chunker(importId);
    chunker.add(aRow(1));

    expect(importChunkSchema.parse(chunker.flush())).toEqual({ importId, chunk: 1, rows: [aRow(1)] });
    expect(importChunkSchema.safeParse(valid).success).toBe(true);
  });

  it.each([
    ['an importId that is not a uuid', { ...valid, importId: 'imp-1' }, 'importId'],
    ['chunk 0', { ...valid, chunk: 0 }, 'chunk'],
    ['a fractional chunk number', { ...valid, chunk: 1.5 }, 'chunk'],
    ['a chunk number as a string', { ...valid, chunk: '1' }, 'chunk'],
    ['no rows', { ...valid, rows: [] }, 'rows'],
    ['a row numbered 0', { ...valid, rows: [aRow(0)] }, 'rows.0.row'],
    ['a lower-case SKU', { ...valid, rows: [aRow(1, 'tea-1')] }, 'rows.0.sku'],
    ['a negative price', { ...valid, rows: [aRow(1, 'A', { priceCents: -1 })] }, 'rows.0.priceCents'],
    ['a fractional price', { ...valid, rows: [aRow(1, 'A', { priceCents: 1.5 })] }, 'rows.0.priceCents'],
    ['an unknown currency', { ...valid, rows: [aRow(1, 'A', { currency: 'XYZ' })] }, 'rows.0.currency'],
    ['a negative stock', { ...valid, rows: [aRow(1, 'A', { stock: -1 })] }, 'rows.0.stock'],
    ['an empty name', { ...valid, rows: [aRow(1, 'A', { name: '' })] }, 'rows.0.name'],
    ['an unknown field in a row', { ...valid, rows: [{ ...aRow(1), discount: 5 }] }, 'rows.0'],
    ['an unknown field in the chunk', { ...valid, extra: true }, ''],
    ['a row without a SKU', { ...valid, rows: [{ ...aRow(1), sku: undefined }] }, 'rows.0.sku'],
  ])('rejects %s', (_, chunk, path) => {
    const result = importChunkSchema.safeParse(chunk);

    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });

  it.each([null, 'a string', 42, [], {}])('rejects %p', (value) => {
    expect(importChunkSchema.safeParse(value).success).toBe(false);
  });
});
