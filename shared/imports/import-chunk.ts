/**
 * A chunk: what one import-queue message carries from the file processor to the ETL worker.
 * Valid rows only, each with its row number, so the worker can apply "the later row wins" whatever
 * order chunks arrive in and however often.
 */
import { z } from 'zod';
import { currencySchema } from '../catalog/product';
import type { CatalogRow } from './catalog-row';

export const importChunkSchema = z.strictObject({
  importId: z.uuid(),
  /** 1-based position of the chunk in the file. */
  chunk: z.number().int().min(1),
  rows: z
    .array(
      z.strictObject({
        row: z.number().int().min(1),
        sku: z.string().regex(/^[A-Z0-9-]{1,40}$/),
        name: z.string().min(1).max(200),
        description: z.string().max(2000),
        category: z.string().min(1).max(60),
        priceCents: z.number().int().min(0),
        currency: currencySchema,
        stock: z.number().int().min(0),
      }),
    )
    .min(1),
});

export type ImportChunk = z.infer<typeof importChunkSchema>;

/**
 * Limits that keep a message, and a SendMessageBatch request of several, under SQS's 256 KiB.
 * Bigger chunks load faster (fewer transactions); these leave room for JSON escaping.
 */
export const chunkLimits = { maxRows: 500, maxBytes: 60 * 1024 } as const;

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
    const size = Buffer.byteLength(JSON.stringify(row)) + 1;
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
