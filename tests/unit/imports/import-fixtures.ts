// Catalog CSV files and chunks for the import tests.
import { Readable } from 'node:stream';
import type { CatalogFileSink, RejectedRow } from '../../../shared/imports/catalog-file';
import type { CatalogRow } from '../../../shared/imports/catalog-row';
import type { ImportChunk } from '../../../shared/imports/import-chunk';

export const importId = '0190f5b2-7c1e-7a3b-8c4d-5e6f7a8b9c0d';

export const csvHeader = 'sku,name,description,category,price,currency,stock';

/** A valid data line for `sku`. */
export const csvLine = (sku: string, price = '12.00', stock = 5) =>
  `${sku},Product ${sku},Made for tests,tea,${price},EUR,${stock}`;

/** A file of the header and these lines, LF line endings. */
export const csvFile = (...lines: string[]) => [csvHeader, ...lines].join('\n') + '\n';

/** A stream of the text, cut into pieces of `pieceSize` bytes (to cross record boundaries). */
export function streamOf(content: string | Buffer, pieceSize = 0): Readable {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  if (pieceSize <= 0) return Readable.from([bytes]);
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += pieceSize) pieces.push(bytes.subarray(i, i + pieceSize));
  return Readable.from(pieces);
}

/** A valid, normalised row as the file processor puts it in a chunk. */
export const aRow = (row: number, sku = `SKU-${row}`, overrides: Partial<CatalogRow> = {}): CatalogRow => ({
  row,
  sku,
  name: `Product ${sku}`,
  description: 'Made for tests',
  category: 'tea',
  priceCents: 1200,
  currency: 'EUR',
  stock: 5,
  ...overrides,
});

export const aChunk = (chunk: number, rows: CatalogRow[], id = importId): ImportChunk => ({
  importId: id,
  chunk,
  rows,
});

/** A sink that records what it is given, in order. */
export class RecordingSink implements CatalogFileSink {
  header?: string[];
  readonly chunks: ImportChunk[] = [];
  readonly rejects: RejectedRow[] = [];
  readonly calls: string[] = [];

  begin(header: string[]): void {
    this.header = header;
    this.calls.push('begin');
  }

  chunk(chunk: ImportChunk): Promise<void> {
    this.chunks.push(structuredClone(chunk));
    this.calls.push(`chunk ${chunk.chunk}`);
    return Promise.resolve();
  }

  reject(rejected: RejectedRow): Promise<void> {
    this.rejects.push(rejected);
    this.calls.push(`reject ${rejected.row}`);
    return Promise.resolve();
  }

  /** Every valid row, in the order the chunks carried them. */
  get rows(): CatalogRow[] {
    return this.chunks.flatMap((chunk) => chunk.rows);
  }
}

/** A small seeded generator (mulberry32), so that a failure can be replayed. */
export function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
