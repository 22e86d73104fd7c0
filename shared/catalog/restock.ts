/**
 * Restock notes: a supplier mails the stock they are sending, one `SKU quantity` line each (in
 * the mail's text, or a CSV file attached), and the shop adds it. The rules are an admin's
 * (shared/catalog/product.ts: SKUs as PUT /products/{sku} takes them, stock never above its
 * maximum), and a note is applied whole or not at all per line: every valid line in one
 * transaction, every other one refused with the reason, each message once however often it is
 * delivered. Nothing here knows about SES or Lambda (services/restock/ does).
 */
import * as z from '../zod';
import { leafParts, MimeError, parseMime, partText, type MimePart } from '../mail/mime-message';
import { projectAfterCommit, type ProjectionDeps } from './catalog-projection';
import { changedBy } from './changed-by';
import { productInputSchema, skuSchema } from './product';

/** The most stock a product may have: an admin's limit (productInputSchema). */
export const maxStock = z.boundsOf(productInputSchema.shape.stock).max!;
/** Lines one note may hold; a longer one is refused whole (send it in parts). */
export const maxNoteLines = 1000;

export interface RestockLine {
  /** Where it is in the note (1 = its first line). */
  line: number;
  sku: string;
  quantity: number;
}

export interface RefusedLine {
  /** 0 when the reason is the note as a whole. */
  line: number;
  /** The line as written (at most 100 characters). */
  text: string;
  reason: string;
}

export interface RestockNote {
  lines: RestockLine[];
  refused: RefusedLine[];
}

export interface AppliedLine {
  sku: string;
  quantity: number;
  /** The product's stock after this note. */
  stock: number;
}

export interface RestockResult {
  messageId: string;
  supplier: string;
  applied: AppliedLine[];
  refused: RefusedLine[];
  /** True when this message had been applied before: nothing was added this time. */
  duplicate: boolean;
}

/** What the note's lines do to the stock they find: which apply, which are refused. */
export type RestockDecision = (stock: ReadonlyMap<string, number>) => {
  applied: AppliedLine[];
  refused: RefusedLine[];
};

/** The system of record's side (shared/adapters/postgres/restock-store.ts). */
export interface RestockStore {
  /**
   * In one transaction: records `messageId` (a second time, returns what the first recorded, with
   * `duplicate: true`), locks the products `skus` names that exist, asks `decide` with their
   * stock, adds the applied quantities (who changed them: `by`) and records the outcome.
   */
  apply(receipt: {
    messageId: string;
    supplier: string;
    by: string;
    skus: string[];
    decide: RestockDecision;
  }): Promise<RestockResult>;
}

export interface RestockDeps extends ProjectionDeps {
  restocks: RestockStore;
}

const quantitySchema = z.coerce.number().check(z.int(), z.minimum(1), z.maximum(maxStock));

/**
 * Text from the mail, quoted back in the answer and kept in PostgreSQL's jsonb, which refuses NUL
 * and half of a surrogate pair (failing the whole transaction): at most `max` characters, never
 * cut inside a pair, control characters as '?'.
 */
function quotable(text: string, max: number): string {
  const cut = text.length > max && /[\uD800-\uDBFF]/.test(text[max - 1]!) ? max - 1 : max;
  // eslint-disable-next-line no-control-regex
  return text.slice(0, cut).replace(/[\u0000-\u001f\u007f]/g, '?');
}
const csvHeader = /^\s*"?sku"?\s*[,;\t ]\s*"?(quantity|qty)"?\s*$/i;

/**
 * The note's lines. Blank lines are skipped, and so are quoted ones (`>`: a reply quoting the
 * shop's answer) and a CSV header (`sku,quantity`); the note ends at a signature (`-- `).
 * Fields are separated by spaces, tabs, commas or semicolons.
 */
export function parseRestockNote(text: string): RestockNote {
  // One pass, keeping at most maxNoteLines rows: a note of millions of lines is counted, not held.
  const rows: { line: number; raw: string }[] = [];
  let count = 0;
  for (let start = 0, line = 1; start <= text.length; line++) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    const whole = text.slice(start, text[stop - 1] === '\r' && end !== -1 ? stop - 1 : stop);
    start = stop + 1;
    if (whole === '-- ' || whole === '--') break;
    const raw = whole.trim();
    if (raw === '' || raw.startsWith('>') || csvHeader.test(raw)) continue;
    if (++count <= maxNoteLines) rows.push({ line, raw });
  }
  if (count > maxNoteLines) {
    return {
      lines: [],
      refused: [
        { line: 0, text: '', reason: `the note has ${count} lines, more than ${maxNoteLines}: send it in parts` },
      ],
    };
  }
  const note: RestockNote = { lines: [], refused: [] };
  const seen = new Map<string, number>();
  for (const { line, raw } of rows) {
    const text = quotable(raw, 100);
    const refuse = (reason: string) => void note.refused.push({ line, text, reason });
    // No "SKU quantity" line is that long: a longer one (a megabyte of text) is refused unsplit.
    if (raw.length > 1000) {
      refuse('is not "SKU quantity"');
      continue;
    }
    const fields = raw
      .split(/[\s,;]+/)
      .filter(Boolean)
      .map((field) => field.replace(/^"(.*)"$/, '$1'));
    if (fields.length !== 2) {
      refuse('is not "SKU quantity"');
      continue;
    }
    const sku = skuSchema.safeParse(fields[0]);
    if (!sku.success) {
      refuse('SKU must be 1-40 letters, digits or dashes');
      continue;
    }
    const quantity = /^\d+$/.test(fields[1]!) ? quantitySchema.safeParse(fields[1]) : undefined;
    if (!quantity?.success) {
      refuse(`quantity must be a whole number from 1 to ${maxStock}`);
      continue;
    }
    const first = seen.get(sku.data);
    if (first !== undefined) {
      refuse(`${sku.data} is already on line ${first}`);
      continue;
    }
    seen.set(sku.data, line);
    note.lines.push({ line, sku: sku.data, quantity: quantity.data });
  }
  return note;
}

const isCsv = (part: MimePart) => part.contentType === 'text/csv' || /\.csv$/i.test(part.filename ?? '');

/**
 * The note a raw message carries: its CSV attachment when it has one (the mail's text is then only a
 * covering letter), else its first text/plain part that is not an attachment. A message with
 * neither, or with more than one CSV file, is refused whole.
 */
export function restockNoteOf(rawMessage: Buffer): RestockNote {
  const refuseWhole = (reason: string): RestockNote => ({ lines: [], refused: [{ line: 0, text: '', reason }] });
  try {
    const leaves = leafParts(parseMime(rawMessage));
    const csvFiles = leaves.filter(isCsv);
    if (csvFiles.length > 1) return refuseWhole(`the mail has ${csvFiles.length} CSV files: send one per mail`);
    const body = csvFiles[0] ?? leaves.find((p) => p.contentType === 'text/plain' && p.disposition !== 'attachment');
    if (!body) return refuseWhole('the mail has no plain text and no CSV file: write "SKU quantity" lines');
    return parseRestockNote(partText(body));
  } catch (error) {
    // The message may quote the mail's own headers (a charset, a boundary).
    if (error instanceof MimeError) return refuseWhole(quotable(`the mail cannot be read: ${error.message}`, 200));
    throw error;
  }
}

/** What the lines do to the stock found (the products that exist, not deleted). */
export function decideRestock(note: RestockNote): RestockDecision {
  return (stock) => {
    const applied: AppliedLine[] = [];
    const refused: RefusedLine[] = [...note.refused];
    for (const { line, sku, quantity } of note.lines) {
      const current = stock.get(sku);
      const text = `${sku} ${quantity}`;
      if (current === undefined) refused.push({ line, text, reason: `there is no product ${sku} in the catalog` });
      else if (current + quantity > maxStock)
        refused.push({ line, text, reason: `stock would be ${current + quantity}, more than ${maxStock}` });
      else applied.push({ sku, quantity, stock: current + quantity });
    }
    refused.sort((a, b) => a.line - b.line);
    return { applied, refused };
  };
}

/**
 * Applies a supplier's note, once per message: one transaction for all its valid lines, then the
 * read model is given the new stock (as after an admin's change: catalog-projection.ts).
 */
export async function restock(
  deps: RestockDeps,
  receipt: { messageId: string; supplier: string; note: RestockNote },
): Promise<RestockResult> {
  const result = await deps.restocks.apply({
    messageId: receipt.messageId,
    supplier: receipt.supplier,
    by: changedBy.supplier(receipt.supplier),
    skus: receipt.note.lines.map((line) => line.sku),
    decide: decideRestock(receipt.note),
  });
  await projectAfterCommit(
    deps,
    result.applied.map((line) => line.sku),
  );
  return result;
}

/** The answer a supplier gets: what was added and what was refused, and why. */
export const restockAnswerSchema = z.object({ to: z.string(), subject: z.string(), text: z.string() });
export type RestockAnswer = z.infer<typeof restockAnswerSchema>;

export function restockAnswer(result: RestockResult, subject: string): RestockAnswer {
  const added = result.applied.map((a) => `  ${a.sku}  +${a.quantity}  (stock now ${a.stock})`);
  const refused = result.refused.map((r) =>
    r.line === 0 ? `  the whole note: ${r.reason}` : `  line ${r.line} "${r.text}": ${r.reason}`,
  );
  const text = [
    result.applied.length ? 'Thank you. We added this stock:' : 'Thank you. We added no stock from your note.',
    ...added,
    ...(refused.length
      ? ['', 'We could not take these lines:', ...refused, '', 'Send them again once corrected.']
      : []),
    '',
    `(Message ${result.messageId})`,
  ].join('\n');
  // The subject is the sender's (decoded from MIME): a line break in it (=0A in an encoded word)
  // would make SES refuse the answer, and a cut must not split a surrogate pair.
  return { to: result.supplier, subject: quotable(`Re: ${subject}`, 200), text };
}
