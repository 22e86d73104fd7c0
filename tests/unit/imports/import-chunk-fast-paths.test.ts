// The ETL worker's fast paths for plainly valid rows (the chunk's types, the product rules) against
// the schemas they stand in for: a row they let through must be one the schema accepts, unchanged.
import { isDeepStrictEqual } from 'node:util';
import { productInputSchema } from '../../../shared/catalog/product';
import { isPlainlyValidProduct } from '../../../shared/imports/catalog-row';
import { chunkRowSchema, importChunkSchema, isPlainChunkRow, rowRefusal } from '../../../shared/imports/import-chunk';
import { aChunk, aRow, random } from './import-fixtures';

// Values near every rule's edge, the first of each pool valid: whitespace trim removes, case,
// lengths at the limits in UTF-16 units and in code points, characters that cannot be stored,
// numbers that are not safe integers, values of the wrong type.
const astral = '𝒜';
const pools: Record<string, unknown[]> = {
  row: [7, 1, 0, -1, 1.5, 2 ** 53, Number.NaN, Infinity, '7', null],
  sku: ['TEA-1', 'tea-1', '', 'A'.repeat(40), 'A'.repeat(41), ' TEA-1', 'Ω-1', 7],
  name: [
    'Sencha',
    '',
    ' ',
    ' x ',
    'n'.repeat(200),
    'n'.repeat(201),
    astral.repeat(100),
    astral.repeat(101),
    ` ${'n'.repeat(199)} `,
    'Sen\u0000cha',
    'Sen\ud83ccha',
    'Sen\ncha',
    '\tSencha',
    'Sen\u202Echa',
    'Sen\u0085cha',
    'Sen\uFFFDcha',
    5,
  ],
  description: [
    'Green tea',
    '',
    'd'.repeat(2000),
    'd'.repeat(2001),
    astral.repeat(1000),
    astral.repeat(1001),
    'line\nbreak\r\n\ttab',
    'nul\u0000',
    'bell\u0007',
    'lone \udc00',
    'isolate \u2066x\u2069',
    ' padded ',
    null,
  ],
  category: [
    'tea',
    'TEA',
    'green-tea',
    ' tea ',
    'green tea',
    '-tea',
    '',
    'c'.repeat(60),
    'c'.repeat(61),
    'thé',
    'K',
    1,
  ],
  priceCents: [1200, 0, -1, 100_000_000, 100_000_001, 1.5, 2 ** 53, Number.NaN, '1200'],
  currency: ['EUR', 'USD', 'eur', ' EUR', 'XYZ', 'EURO', '', 'XXX', 3],
  stock: [5, 0, -1, 1_000_000, 1_000_001, 2.5, Number.NaN, '5'],
};

function generatedRows(count: number, seed: number): Record<string, unknown>[] {
  const next = random(seed);
  const pick = (values: unknown[]) => values[Math.floor(next() * values.length)];
  return Array.from({ length: count }, () => {
    const row: Record<string, unknown> = {};
    for (const [key, values] of Object.entries(pools)) row[key] = next() < 0.7 ? values[0] : pick(values);
    // Now and then a key too many or too few.
    if (next() < 0.03) row.discount = 5;
    if (next() < 0.03) delete row[pick(Object.keys(pools)) as string];
    return row;
  });
}

describe('isPlainChunkRow (the chunk schema fast path) against chunkRowSchema', () => {
  it('accepts only rows the schema accepts, as they are, and most of those', () => {
    let fast = 0;
    let bySchema = 0;
    const disagreements: unknown[] = [];
    for (const row of generatedRows(8_000, 20_261_203)) {
      const result = chunkRowSchema.safeParse(row);
      if (result.success) bySchema++;
      if (isPlainChunkRow(row)) {
        fast++;
        if (!result.success || !isDeepStrictEqual(result.data, row)) disagreements.push(row);
      }
    }

    expect(disagreements.slice(0, 3)).toEqual([]);
    expect(fast).toBeGreaterThan(0.9 * bySchema);
  });

  it('takes only plain objects, and leaves an array with a hole to the schema', () => {
    const { stock, ...rest } = aRow(1);
    const inherited = Object.assign(Object.create({ stock }) as object, rest, { discount: 5 });

    expect(isPlainChunkRow(inherited)).toBe(false);
    // eslint-disable-next-line no-sparse-arrays -- the hole is the point
    expect(importChunkSchema.safeParse({ ...aChunk(1, []), rows: [aRow(1), , aRow(3)] }).success).toBe(false);
  });

  it('lets importChunkSchema answer as chunkRowSchema does for a chunk with one row it does not take', () => {
    const rows = [aRow(1), { ...aRow(2), priceCents: 1.5 }];
    const result = importChunkSchema.safeParse({ ...aChunk(1, []), rows });

    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => issue.path.join('.'))).toEqual(['rows.1.priceCents']);
  });
});

describe('isPlainlyValidProduct (rowRefusal fast path) against productInputSchema', () => {
  it('accepts only products the schema accepts, and most of those', () => {
    let fast = 0;
    let bySchema = 0;
    const disagreements: unknown[] = [];
    for (const row of generatedRows(8_000, 20_261_204)) {
      const { row: _row, sku: _sku, discount: _discount, ...fields } = row;
      const accepted = productInputSchema.safeParse(fields).success;
      if (accepted) bySchema++;
      if (isPlainlyValidProduct(fields as never)) {
        fast++;
        if (!accepted) disagreements.push(fields);
      }
    }

    expect(disagreements.slice(0, 3)).toEqual([]);
    expect(fast).toBeGreaterThan(0.9 * bySchema);
  });

  it('leaves the reasons to the schema', () => {
    expect(rowRefusal(aRow(1))).toBeUndefined();
    expect(rowRefusal(aRow(1, 'A', { name: ' ', stock: -1 }))).toBe(
      `name ${productInputSchema.shape.name.safeParse(' ').error!.issues[0]!.message}; stock ${
        productInputSchema.shape.stock.safeParse(-1).error!.issues[0]!.message
      }`,
    );
  });
});
