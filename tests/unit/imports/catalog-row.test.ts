// The rules for one row of a catalog CSV: the header, prices in cents, and the normalised product.
import { isDeepStrictEqual } from 'node:util';
import {
  catalogColumns,
  ImportFileError,
  parseRow,
  parseRowBySchema,
  parseValidRow,
  priceToCents,
  readHeader,
  type ColumnIndex,
} from '../../../shared/imports/catalog-row';
import { random } from './import-fixtures';

const header = [...catalogColumns];
const columns: ColumnIndex = readHeader(header);

/** A valid row in the file's column order, with some fields replaced. */
const rowWith = (changes: Partial<Record<(typeof catalogColumns)[number], string>> = {}) => {
  const fields: Record<string, string> = {
    sku: 'tea-sencha',
    name: 'Sencha',
    description: 'Green tea',
    category: 'tea',
    price: '12.00',
    currency: 'EUR',
    stock: '25',
    ...changes,
  };
  return header.map((name) => fields[name]!);
};

function readHeaderError(fields: string[]): ImportFileError {
  try {
    readHeader(fields);
  } catch (error) {
    if (error instanceof ImportFileError) return error;
    throw error;
  }
  throw new Error('readHeader accepted the header');
}

function rejection(fields: string[], index: ColumnIndex = columns): string {
  const result = parseRow(fields, index, 1);
  if (result.ok) throw new Error(`the row was accepted: ${JSON.stringify(result.value)}`);
  return result.reason;
}

describe('readHeader', () => {
  it('maps each known column to its position', () => {
    expect(readHeader(header)).toEqual({
      sku: 0,
      name: 1,
      description: 2,
      category: 3,
      price: 4,
      currency: 5,
      stock: 6,
    });
  });

  it('takes the columns in any order and ignores unknown ones', () => {
    expect(readHeader(['stock', 'supplier', 'price', 'currency', 'category', 'name', 'notes', 'sku'])).toEqual({
      stock: 0,
      price: 2,
      currency: 3,
      category: 4,
      name: 5,
      sku: 7,
    });
  });

  it('matches names whatever their case and surrounding spaces', () => {
    expect(readHeader([' SKU', 'Name ', ' Description ', 'CATEGORY', 'Price', 'currency ', '  Stock'])).toEqual(
      readHeader(header),
    );
  });

  it('does not require description', () => {
    const index = readHeader(['sku', 'name', 'category', 'price', 'currency', 'stock']);

    expect(index.description).toBeUndefined();
    expect(index.stock).toBe(5);
  });

  it('refuses a header without required columns, naming each missing one', () => {
    const error = readHeaderError(['sku', 'name', 'description', 'stock']);

    expect(error).toBeInstanceOf(ImportFileError);
    expect(error.name).toBe('ImportFileError');
    expect(error.message).toContain('lacks the columns category, price, currency');
    expect(error.message).not.toMatch(/columns[^(]*\bsku\b/);
  });

  it('names a single missing column in the singular', () => {
    const error = readHeaderError(['sku', 'name', 'category', 'price', 'currency']);

    expect(error.message).toMatch(/lacks the column stock /);
  });

  it('refuses a header that repeats a column, even in another case', () => {
    const error = readHeaderError([...header, ' Price ']);

    expect(error.message).toBe('The header row repeats price');
  });

  it('ignores repeated unknown columns', () => {
    expect(() => readHeader([...header, 'notes', 'notes'])).not.toThrow();
  });
});

describe('priceToCents', () => {
  it.each([
    ['12', 1200],
    ['12.5', 1250],
    ['12.50', 1250],
    ['0.05', 5],
    ['0', 0],
    ['0.5', 50],
    ['9999999.99', 999999999],
  ])('reads "%s" as %i cents', (text, cents) => {
    expect(priceToCents(text)).toBe(cents);
  });

  it.each(['1.999', '-1', '1,00', 'abc', '', ' 12', '12.', '.5', '1e3', '+5', '12345678'])('refuses "%s"', (text) => {
    expect(priceToCents(text)).toBeUndefined();
  });
});

describe('priceToCents against its pattern', () => {
  const pattern = /^(\d{1,7})(?:\.(\d{1,2}))?$/;
  const byPattern = (text: string) => {
    const match = pattern.exec(text);
    return match ? Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0')) : undefined;
  };

  it('reads every string of these characters, up to 10 long, as the pattern does', () => {
    const characters = ['0', '1', '5', '9', '.', ',', '-', ' ', 'e', '\u0661', '\uff11'];
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const disagreements: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      const length = Math.floor(next() * 11);
      // Mostly digits and one dot, so that valid prices are common.
      const text = Array.from({ length }, () =>
        next() < 0.8 ? String(Math.floor(next() * 10)) : characters[Math.floor(next() * characters.length)]!,
      ).join('');
      if (priceToCents(text) !== byPattern(text)) disagreements.push(text);
    }
    expect(disagreements).toEqual([]);
  });
});

describe('parseRow', () => {
  it('normalises a valid row: SKU trimmed and upper-cased, currency upper-cased, category lower-cased', () => {
    const result = parseRow(
      rowWith({
        sku: '  tea-sencha ',
        name: '  Sencha  ',
        category: ' TEA ',
        price: ' 12.5 ',
        currency: ' eur ',
        stock: ' 7 ',
      }),
      columns,
      42,
    );

    expect(result).toEqual({
      ok: true,
      value: {
        row: 42,
        sku: 'TEA-SENCHA',
        name: 'Sencha',
        description: 'Green tea',
        category: 'tea',
        priceCents: 1250,
        currency: 'EUR',
        stock: 7,
      },
    });
  });

  it('reads the columns where the header put them', () => {
    const index = readHeader(['stock', 'currency', 'price', 'category', 'name', 'sku']);

    const result = parseRow(['3', 'usd', '0.05', 'cups', 'Cup', 'cup-1'], index, 1);

    expect(result).toEqual({
      ok: true,
      value: {
        row: 1,
        sku: 'CUP-1',
        name: 'Cup',
        description: '',
        category: 'cups',
        priceCents: 5,
        currency: 'USD',
        stock: 3,
      },
    });
  });

  it.each([
    ['a SKU with a space', { sku: 'tea sencha' }, /^sku /],
    ['an empty SKU', { sku: '' }, /^sku /],
    ['a SKU of 41 characters', { sku: 'A'.repeat(41) }, /^sku /],
    ['a price with 3 decimals', { price: '1.999' }, /^price "1.999" /],
    ['a price with a comma', { price: '1,00' }, /^price "1,00" /],
    ['a price that is text', { price: 'abc' }, /^price "abc" /],
    ['an empty price', { price: '' }, /^price "" /],
    ['a price above the maximum', { price: '1000001' }, /^price /],
    ['a negative stock', { stock: '-1' }, /^stock "-1" /],
    ['a fractional stock', { stock: '1.5' }, /^stock "1.5" /],
    ['an unknown currency', { currency: 'XYZ' }, /^currency /],
    ['a currency that is not three letters', { currency: 'EURO' }, /^currency /],
    ['a blank name', { name: '   ' }, /^name /],
    ['a category with a space', { category: 'green tea' }, /^category /],
    ['a NUL in the name', { name: 'Sen\u0000cha' }, /^name contains U\+0000 \(NUL\)/],
    ['a NUL in the description', { description: 'Green\u0000tea' }, /^description contains U\+0000 \(NUL\)/],
    ['half a surrogate pair in the name', { name: 'Sen\ud83ccha' }, /^name contains U\+D83C /],
    ['a line break in the name', { name: 'Sen\ncha' }, /^name contains U\+000A \(a control character\)/],
    ['an escape character in the description', { description: '\u001b[31mred' }, /^description contains U\+001B /],
    ['a right-to-left override in the name', { name: 'abc\u202Egpj.exe' }, /^name contains U\+202E \(a bidirectional/],
  ])('rejects %s with a reason naming the column', (_, changes, reason) => {
    expect(rejection(rowWith(changes))).toMatch(reason);
  });

  it('rejects a row holding U+FFFD (bytes that were not UTF-8)', () => {
    expect(rejection(rowWith({ name: 'Sen\uFFFDcha' }))).toBe('the row is not valid UTF-8');
  });

  it('gives every problem of a row, separated by semicolons', () => {
    const reasons = rejection(rowWith({ sku: 'bad sku', price: 'abc', stock: '-3', currency: 'XYZ' })).split('; ');

    expect(reasons).toHaveLength(4);
    expect(reasons.map((reason) => reason.split(' ')[0])).toEqual(['sku', 'price', 'stock', 'currency']);
  });

  it('accepts unicode text and keeps it as it is', () => {
    const result = parseRow(rowWith({ name: 'Gyokuro 玉露 – première', description: 'Ünïcödé 🍵' }), columns, 1);

    expect(result).toMatchObject({ ok: true, value: { name: 'Gyokuro 玉露 – première', description: 'Ünïcödé 🍵' } });
  });
});

describe('parseValidRow (the fast path) against the schemas', () => {
  // Values near every rule's edge: whitespace zod's trim removes (or not), letters whose case
  // changes length or leaves ASCII (ß, ı, ſ, the Kelvin sign), lengths at the limits in UTF-16 units
  // and in code points, amounts at the limits, U+FFFD.
  const spaces = ['', ' ', '\t', '\u00a0', '\ufeff', '\u2028', '\u200b', '\r'];
  const astral = '𝒜';
  const pools: Record<(typeof catalogColumns)[number], string[]> = {
    sku: [
      'tea-1',
      'TEA-1',
      'a',
      '',
      '-',
      'A'.repeat(40),
      'A'.repeat(41),
      'tea 1',
      'straße',
      'ıd',
      'ſku',
      'K1',
      'é',
      'A\uFFFD',
      'Ω-1',
      'a_b',
    ],
    name: [
      'Sencha',
      '',
      ' ',
      'x',
      'n'.repeat(200),
      'n'.repeat(201),
      astral.repeat(100),
      astral.repeat(101),
      `${astral.repeat(99)}nn`,
      'Gyokuro 玉露',
      'Sen\uFFFDcha',
      '"quoted"',
      'Sen\u0000cha',
      'Sen\ud83ccha',
      'Sen\ncha',
      'Sen\u202Echa',
      'Sen\u0085cha',
    ],
    description: [
      '',
      'Green tea',
      'd'.repeat(2000),
      'd'.repeat(2001),
      astral.repeat(1000),
      astral.repeat(1001),
      'line\nbreak',
      'Ünïcödé 🍵',
      'tab\there\r\n',
      'nul\u0000',
      'bell\u0007',
      'lone \udc00',
      'isolate \u2066x\u2069',
    ],
    category: [
      'tea',
      'TEA',
      'Green-Tea',
      'green tea',
      '-tea',
      'tea-',
      '9',
      'c'.repeat(60),
      'c'.repeat(61),
      '',
      'thé',
      'K',
      'ı',
      'İ',
    ],
    price: [
      '12',
      '12.5',
      '12.50',
      '0',
      '0.05',
      '00',
      '1000000',
      '1000000.00',
      '1000000.01',
      '999999.99',
      '9999999.99',
      '1.999',
      '-1',
      '1,00',
      'abc',
      '',
      '.5',
      '12.',
      '1e3',
      '+5',
      '１２',
    ],
    currency: ['EUR', 'eur', 'Eur', 'USD', 'JPY', 'XYZ', 'EU', 'EURO', '', 'ÉUR', 'xts', 'XXX', 'eUr'],
    stock: ['0', '7', '25', '1000000', '1000001', '0000001', '9999999', '-1', '1.5', '', ' 3', 'x', '٣'],
  };
  const layouts = [
    [...catalogColumns],
    ['stock', 'currency', 'price', 'category', 'name', 'sku'],
    ['notes', 'sku', 'name', 'category', 'description', 'price', 'currency', 'stock', 'more'],
  ];

  it('accepts only rows the schemas accept, with the same value, and parseRow answers as the schemas do', () => {
    const next = random(20_260_529);
    const pick = <T>(values: T[]) => values[Math.floor(next() * values.length)]!;
    const padded = (value: string) => (next() < 0.3 ? `${pick(spaces)}${value}${pick(spaces)}` : value);
    let fastAccepted = 0;
    let schemaAccepted = 0;
    const disagreements: unknown[] = [];

    for (let i = 0; i < 8_000; i++) {
      const header = pick(layouts);
      const index = readHeader(header);
      // Mostly valid rows (the fast path's case), with one or more fields from the edge pools.
      const fields = header.map((name) => {
        if (!(name in pools)) return 'ignored';
        const column = name as (typeof catalogColumns)[number];
        return padded(next() < 0.7 ? pools[column][0]! : pick(pools[column]));
      });
      // Now and then a short row: missing fields read as empty.
      if (next() < 0.02) fields.length = Math.floor(next() * fields.length);

      const fast = parseValidRow(fields, index, i + 1);
      const bySchema = parseRowBySchema(fields, index, i + 1);
      const answer = parseRow(fields, index, i + 1);
      if (fast) fastAccepted++;
      if (bySchema.ok) schemaAccepted++;
      if ((fast && !isDeepStrictEqual(bySchema, { ok: true, value: fast })) || !isDeepStrictEqual(answer, bySchema)) {
        disagreements.push({ header, fields, fast, bySchema, answer });
      }
    }

    expect(disagreements.slice(0, 3)).toEqual([]);
    // The fast path takes most valid rows (only lengths it cannot judge in UTF-16 units go to zod).
    expect(fastAccepted).toBeGreaterThan(0.9 * schemaAccepted);
    expect(schemaAccepted).toBeLessThan(8_000);
  });
});
