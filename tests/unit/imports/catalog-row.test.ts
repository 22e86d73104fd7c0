// The rules for one row of a catalog CSV: the header, prices in cents, and the normalised product.
import {
  catalogColumns,
  ImportFileError,
  parseRow,
  priceToCents,
  readHeader,
  type ColumnIndex,
} from '../../../shared/imports/catalog-row';

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
