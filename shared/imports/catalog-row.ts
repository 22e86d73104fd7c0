/**
 * The rules for one row of a catalog CSV file: which columns the header must have, and how a row's
 * text fields become a product (SKU trimmed and upper-cased, price "12.5" → 1250 cents, currency
 * upper-cased, stock a whole number). A row breaks a rule → a reason for the rejects report.
 */
import { productInputSchema, skuSchema, type ProductInput } from '../catalog/product';

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

const pricePattern = /^(\d{1,7})(?:\.(\d{1,2}))?$/;
const stockPattern = /^\d{1,7}$/;

/** "12" → 1200, "12.5" → 1250, "0.05" → 5: integer arithmetic on the digits, never a float. */
export function priceToCents(text: string): number | undefined {
  const match = pricePattern.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

export type RowResult = { ok: true; value: CatalogRow } | { ok: false; reason: string };

export function parseRow(fields: string[], columns: ColumnIndex, row: number): RowResult {
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
