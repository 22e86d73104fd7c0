/**
 * A chunk: what one import-queue message carries from the file processor to the ETL worker.
 * Valid rows only, each with its row number, so the worker can apply "the later row wins" whatever
 * order chunks arrive in and however often.
 */
import * as z from '../zod';
import { currencySchema, productInputSchema, skuPattern } from '../catalog/product';
import { isPlainlyValidProduct, type CatalogRow } from './catalog-row';

/**
 * A row of a chunk as the message carries it. Checked for its types here, and for the product
 * rules one by one by the worker (rowRefusal): a row that breaks a rule is refused alone, and never
 * makes the rest of its chunk fail.
 */
export const chunkRowSchema = z.strictObject({
  row: z.number().check(z.int(), z.minimum(1)),
  sku: z.string().check(z.regex(skuPattern)),
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  description: z.string().check(z.maxLength(2000)),
  category: z.string().check(z.minLength(1), z.maxLength(60)),
  priceCents: z.number().check(z.int(), z.minimum(0)),
  currency: currencySchema,
  stock: z.number().check(z.int(), z.minimum(0)),
});
type ChunkRow = z.output<typeof chunkRowSchema>;
const chunkRowsSchema = z.array(chunkRowSchema).check(z.minLength(1));

const currencyAnswers = new Map<string, boolean>();
/** currencySchema's own answer, remembered per code (a chunk names one or a few; bounded). */
function validCurrency(code: string): boolean {
  let answer = currencyAnswers.get(code);
  if (answer === undefined) {
    answer = currencySchema.safeParse(code).success;
    if (currencyAnswers.size < 1000) currencyAnswers.set(code, answer);
  }
  return answer;
}
const isWhole = (n: unknown, min: number): n is number => Number.isSafeInteger(n) && (n as number) >= min;
const hasLength = (text: unknown, min: number, max: number): text is string =>
  typeof text === 'string' && text.length >= min && text.length <= max;

/**
 * The common case without zod: a row chunkRowSchema certainly accepts as it is (what the file
 * processor writes), checked directly. Zod walks each of a chunk's 2,000 rows key by key, which
 * cost the worker more CPU than JSON.parse of the message (docs/imports.md, "Performance").
 * Conservative: exactly the schema's eight keys, lengths in UTF-16 units (never more code points
 * than that, so within the schema's limits however it counts), safe integers; anything else is
 * left to the schema, which also gives the reasons. A unit test holds the two together.
 */
export function isPlainChunkRow(value: unknown): value is ChunkRow {
  // A plain object, as JSON.parse makes (no inherited fields to stand in for missing ones).
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const row = value as Record<string, unknown>;
  return (
    Object.keys(row).length === 8 &&
    isWhole(row.row, 1) &&
    typeof row.sku === 'string' &&
    skuPattern.test(row.sku) &&
    hasLength(row.name, 1, 200) &&
    hasLength(row.description, 0, 2000) &&
    hasLength(row.category, 1, 60) &&
    isWhole(row.priceCents, 0) &&
    typeof row.currency === 'string' &&
    validCurrency(row.currency) &&
    isWhole(row.stock, 0)
  );
}

// Every index, holes included (Array.prototype.every would skip a hole; zod would not).
function allPlain(rows: unknown[]): boolean {
  for (let i = 0; i < rows.length; i++) if (!isPlainChunkRow(rows[i])) return false;
  return true;
}

/**
 * The message's shape (the worker's payload schema, parsed by Powertools for every message). Rows
 * that are plainly valid pass as they are; otherwise the rows go through chunkRowsSchema, whose
 * answer and issues (paths under `rows`) are the schema's.
 */
export const importChunkSchema = z.strictObject({
  importId: z.uuid(),
  /** 1-based position of the chunk in the file. */
  chunk: z.number().check(z.int(), z.minimum(1)),
  rows: z.pipe(
    z.unknown(),
    z.transform((rows, context): ChunkRow[] => {
      if (Array.isArray(rows) && rows.length > 0 && allPlain(rows)) return rows as ChunkRow[];
      const result = chunkRowsSchema.safeParse(rows);
      if (result.success) return result.data;
      for (const issue of result.error.issues) context.issues.push({ ...issue, input: rows } as z.core.$ZodRawIssue);
      return z.NEVER;
    }),
  ),
});

export type ImportChunk = z.infer<typeof importChunkSchema>;

/**
 * Why the worker must not load this row, or undefined. The file processor has applied the same
 * rules, so this answers only for a chunk written by other code (an older processor, a hand-made
 * message): the same rules hold whoever sent it. A row the rules plainly allow is let through
 * without zod (isPlainlyValidProduct); the schema judges the rest and gives the reasons.
 */
export function rowRefusal(row: ImportChunk['rows'][number]): string | undefined {
  if (isPlainlyValidProduct(row)) return undefined;
  const { row: _row, sku: _sku, ...fields } = row;
  const result = productInputSchema.safeParse(fields);
  if (result.success) return undefined;
  return result.error.issues
    .map((issue) => `${issue.path[0] === 'priceCents' ? 'price' : String(issue.path[0])} ${issue.message}`)
    .join('; ');
}

/**
 * Limits that keep a chunk's message within one SendMessageBatch request (240 KiB of message
 * bodies, under SQS's 256 KiB for a message and for a request: shared/adapters/sqs/chunk-queue.ts):
 * the rows' JSON up to maxBytes, counted exactly, and the chunk's own fields in the 128 bytes
 * left. Bigger chunks load faster (one transaction each; bench/results.md), so a chunk carries
 * about as much as a message can.
 */
export const chunkLimits = { maxRows: 2000, maxBytes: 240 * 1024 - 128 } as const;

// Characters JSON.stringify writes as they are, one UTF-8 byte each: printable ASCII but " and \.
const plainJson = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const jsonStringBytes = (text: string) =>
  plainJson.test(text) ? text.length + 2 : Buffer.byteLength(JSON.stringify(text));
// Whole numbers of up to 15 digits (every count and amount here) without making their text.
const jsonNumberBytes = (n: number): number => {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 1e15) return Number.isFinite(n) ? String(n).length : 4;
  let digits = 1;
  for (let limit = 10; n >= limit; limit *= 10) digits++;
  return digits;
};
const rowKeys = ['row', 'sku', 'name', 'description', 'category', 'priceCents', 'currency', 'stock'] as const;
// Every field of a row is counted: a field added to CatalogRow and not here fails to compile.
const everyField: Exclude<keyof CatalogRow, (typeof rowKeys)[number]> extends never ? true : never = true;
void everyField;
// {"row":…,"sku":…,…}: braces, commas, and each key quoted with its colon.
const rowOverhead = 2 + (rowKeys.length - 1) + rowKeys.reduce((sum, key) => sum + key.length + 3, 0);

/**
 * The UTF-8 size of JSON.stringify(row) for a row as the chunk schema has it (these fields, no
 * others), without building it: what the file's rows are (plain ASCII, mostly) costs a
 * regular-expression test per string; anything else is measured exactly.
 */
export function rowJsonBytes(row: CatalogRow): number {
  return (
    rowOverhead +
    jsonNumberBytes(row.row) +
    jsonStringBytes(row.sku) +
    jsonStringBytes(row.name) +
    jsonStringBytes(row.description) +
    jsonStringBytes(row.category) +
    jsonNumberBytes(row.priceCents) +
    jsonStringBytes(row.currency) +
    jsonNumberBytes(row.stock)
  );
}

/** Groups rows into chunks no larger than the limits; `add` returns a chunk when one is full. */
export class Chunker {
  private rows: CatalogRow[] = [];
  private bytes = 0;
  private count = 0;

  constructor(
    private readonly importId: string,
    private readonly limits: { maxRows: number; maxBytes: number } = chunkLimits,
  ) {}

  get chunksMade(): number {
    return this.count;
  }

  add(row: CatalogRow): ImportChunk | undefined {
    // The row's JSON and the comma between rows in the chunk's JSON.
    const size = rowJsonBytes(row) + 1;
    const full =
      this.rows.length >= this.limits.maxRows || (this.rows.length > 0 && this.bytes + size > this.limits.maxBytes);
    const chunk = full ? this.flush() : undefined;
    this.rows.push(row);
    this.bytes += size;
    return chunk;
  }

  /** The rows not yet in a chunk, as one (the end of the file). */
  flush(): ImportChunk | undefined {
    if (this.rows.length === 0) return undefined;
    const chunk = { importId: this.importId, chunk: ++this.count, rows: this.rows };
    this.rows = [];
    this.bytes = 0;
    return chunk;
  }
}
