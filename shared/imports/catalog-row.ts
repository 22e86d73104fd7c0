/**
 * The rules for one row of a catalog CSV file: which columns the header must have, and how a row's
 * text fields become a product (SKU trimmed and upper-cased, price "12.5" → 1250 cents, currency
 * upper-cased, stock a whole number). A row breaks a rule → a reason for the rejects report.
 */
import { currencySchema, productInputSchema, skuPattern, skuSchema, type ProductInput } from '../catalog/product';
import { isSafeText } from '../safe-text';
import { boundsOf } from '../zod';

export const catalogColumns = ['sku', 'name', 'description', 'category', 'price', 'currency', 'stock'] as const;
export type CatalogColumn = (typeof catalogColumns)[number];
/** description may be left out of a file; a product then has none. */
const requiredColumns: readonly CatalogColumn[] = ['sku', 'name', 'category', 'price', 'currency', 'stock'];

/** A valid row, normalised, with its 1-based data-row number (the header is not counted). */
export interface CatalogRow extends ProductInput {
  row: number;
  sku: string;
}

/** The file as a whole cannot be imported (e.g. a required column is missing). */
export class ImportFileError extends Error {
  override readonly name = 'ImportFileError';
}

/** Where each known column is in the file; unknown columns are ignored. */
export type ColumnIndex = Partial<Record<CatalogColumn, number>>;

export function readHeader(header: string[]): ColumnIndex {
  const index: ColumnIndex = {};
  const duplicates = new Set<string>();
  header.forEach((raw, position) => {
    const name = raw.trim().toLowerCase() as CatalogColumn;
    if (!(catalogColumns as readonly string[]).includes(name)) return;
    if (index[name] !== undefined) duplicates.add(name);
    index[name] = position;
  });
  const missing = requiredColumns.filter((name) => index[name] === undefined);
  if (missing.length > 0) {
    throw new ImportFileError(
      `The header row lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
        `(expected: ${catalogColumns.join(',')})`,
    );
  }
  if (duplicates.size > 0) throw new ImportFileError(`The header row repeats ${[...duplicates].join(', ')}`);
  return index;
}

const stockPattern = /^\d{1,7}$/;

/**
 * "12" → 1200, "12.5" → 1250, "0.05" → 5: integer arithmetic on the digits, never a float. A price
 * is /^(\d{1,7})(?:\.(\d{1,2}))?$/, read here digit by digit (it runs for every row: no match
 * arrays, no substrings).
 */
export function priceToCents(text: string): number | undefined {
  const length = text.length;
  let units = 0;
  let i = 0;
  for (; i < length && i < 8; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    units = units * 10 + digit;
  }
  if (i === 0 || i > 7) return undefined;
  if (i === length) return units * 100;
  if (text.charCodeAt(i) !== 46 /* . */ || length - i - 1 < 1 || length - i - 1 > 2) return undefined;
  let cents = 0;
  for (let j = i + 1; j < i + 3; j++) {
    const digit = j < length ? text.charCodeAt(j) - 48 : 0;
    if (digit < 0 || digit > 9) return undefined;
    cents = cents * 10 + digit;
  }
  return units * 100 + cents;
}

export type RowResult = { ok: true; value: CatalogRow } | { ok: false; reason: string };

const { name: nameSchema, description: descriptionSchema, category: categorySchema } = productInputSchema.shape;
// The schemas' own limits. zod counts string lengths in code points, and a string of n UTF-16
// units has from n/2 to n of them (at least one if n > 0): these bounds, in units, are ones within
// which zod's answer is certainly "valid".
const nameMin = boundsOf(nameSchema).min ?? 0;
const limits = {
  nameMin: nameMin <= 1 ? nameMin : 2 * nameMin,
  nameMax: boundsOf(nameSchema).max ?? Infinity,
  descriptionMax: boundsOf(descriptionSchema).max ?? Infinity,
  priceCentsMin: boundsOf(productInputSchema.shape.priceCents).min ?? -Infinity,
  priceCentsMax: boundsOf(productInputSchema.shape.priceCents).max ?? Infinity,
  stockMin: boundsOf(productInputSchema.shape.stock).min ?? -Infinity,
  stockMax: boundsOf(productInputSchema.shape.stock).max ?? Infinity,
};

/**
 * A file names few categories and currencies: each distinct value is checked by its schema once
 * and the answer remembered (the schema's own answer, so the rule stays in one place). Bounded,
 * so that a file of ever-different values cannot grow it without end.
 */
function remembered(check: (text: string) => string | undefined): (text: string) => string | undefined {
  const answers = new Map<string, string | null>();
  return (text) => {
    const known = answers.get(text);
    if (known !== undefined) return known ?? undefined;
    const answer = check(text);
    if (answers.size < 1000) answers.set(text, answer ?? null);
    return answer;
  };
}
const validCategory = remembered((text) => {
  const result = categorySchema.safeParse(text);
  return result.success ? result.data : undefined;
});
const validCurrency = remembered((text) => {
  const code = text.trim().toUpperCase();
  return currencySchema.safeParse(code).success ? code : undefined;
});

/**
 * The common case, a row that is plainly valid, without zod's parse of every field: the same
 * normalisations (String trim/toUpperCase, as the schemas apply them) and the same rules, checked
 * directly. Conservative: it answers only when the row is certainly valid, with the value the
 * schemas would give; anything else (a broken rule, a string long enough that zod would have to
 * count its code points) is left to the schemas, which also give the reasons. A unit test compares
 * the two on many rows, so that they cannot drift apart.
 */
export function parseValidRow(fields: string[], columns: ColumnIndex, row: number): CatalogRow | undefined {
  for (let i = 0; i < fields.length; i++) if (fields[i]!.includes('\uFFFD')) return undefined;
  // A SKU as the schema leaves it is most often what the file holds: no new string for it then.
  let sku = fields[columns.sku!] ?? '';
  if (!skuPattern.test(sku)) {
    sku = sku.trim().toUpperCase();
    if (!skuPattern.test(sku)) return undefined;
  }
  const name = (fields[columns.name!] ?? '').trim();
  if (name.length < limits.nameMin || name.length > limits.nameMax || !isSafeText(name)) return undefined;
  const description = columns.description === undefined ? '' : (fields[columns.description] ?? '').trim();
  if (description.length > limits.descriptionMax || !isSafeText(description, { multiline: true })) return undefined;
  const category = validCategory(fields[columns.category!] ?? '');
  if (category === undefined) return undefined;
  const priceCents = priceToCents((fields[columns.price!] ?? '').trim());
  if (priceCents === undefined || priceCents < limits.priceCentsMin || priceCents > limits.priceCentsMax)
    return undefined;
  const currency = validCurrency(fields[columns.currency!] ?? '');
  if (currency === undefined) return undefined;
  const stockText = (fields[columns.stock!] ?? '').trim();
  if (!stockPattern.test(stockText)) return undefined;
  const stock = Number(stockText);
  if (stock < limits.stockMin || stock > limits.stockMax) return undefined;
  return { row, sku, name, description, category, priceCents, currency, stock };
}

const currencyCodes = remembered((text) => (currencySchema.safeParse(text).success ? text : undefined));

/**
 * A product productInputSchema certainly accepts, checked without zod (the ETL worker's rowRefusal,
 * for every row of every chunk): the same rules as parseValidRow, on values already normalised.
 * Conservative in the same way: lengths in UTF-16 units, text checked before trimming (trimming
 * only removes characters), the category and currency by their schemas' remembered answers;
 * false means "ask the schema", not "invalid". A unit test compares it with the schema.
 */
export function isPlainlyValidProduct(product: ProductInput): boolean {
  const { name, description, category, priceCents, currency, stock } = product;
  return (
    typeof name === 'string' &&
    name.length <= limits.nameMax &&
    name.trim().length >= limits.nameMin &&
    isSafeText(name) &&
    typeof description === 'string' &&
    description.length <= limits.descriptionMax &&
    isSafeText(description, { multiline: true }) &&
    typeof category === 'string' &&
    validCategory(category) !== undefined &&
    Number.isSafeInteger(priceCents) &&
    priceCents >= limits.priceCentsMin &&
    priceCents <= limits.priceCentsMax &&
    typeof currency === 'string' &&
    currencyCodes(currency) !== undefined &&
    Number.isSafeInteger(stock) &&
    stock >= limits.stockMin &&
    stock <= limits.stockMax
  );
}

export function parseRow(fields: string[], columns: ColumnIndex, row: number): RowResult {
  const valid = parseValidRow(fields, columns, row);
  return valid ? { ok: true, value: valid } : parseRowBySchema(fields, columns, row);
}

/** A row checked field by field against the schemas, every problem named: the rules themselves. */
export function parseRowBySchema(fields: string[], columns: ColumnIndex, row: number): RowResult {
  const field = (name: CatalogColumn) => {
    const position = columns[name];
    return position === undefined ? undefined : (fields[position] ?? '');
  };
  const problems: string[] = [];
  if (fields.some((f) => f.includes('\uFFFD'))) problems.push('the row is not valid UTF-8');

  const sku = skuSchema.safeParse(field('sku'));
  if (!sku.success) problems.push(`sku ${sku.error.issues[0]!.message}`);

  const priceText = field('price')!.trim();
  const priceCents = priceToCents(priceText);
  if (priceCents === undefined) problems.push(`price "${priceText}" is not an amount with at most 2 decimals`);

  const stockText = field('stock')!.trim();
  const stockValid = stockPattern.test(stockText);
  if (!stockValid) problems.push(`stock "${stockText}" is not a whole number of 0 or more`);

  const product = productInputSchema.safeParse({
    name: field('name'),
    description: field('description'),
    category: field('category'),
    priceCents: priceCents ?? 0,
    currency: field('currency')!.trim().toUpperCase(),
    stock: stockValid ? Number(stockText) : 0,
  });
  if (!product.success) {
    for (const issue of product.error.issues) {
      const column = issue.path[0] === 'priceCents' ? 'price' : String(issue.path[0]);
      problems.push(`${column} ${issue.message}`);
    }
  }

  if (problems.length > 0 || !sku.success || !product.success) return { ok: false, reason: problems.join('; ') };
  return { ok: true, value: { row, sku: sku.data, ...product.data } };
}
