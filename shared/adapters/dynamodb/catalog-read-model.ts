/**
 * The catalog read model in DynamoDB (table CatalogTable, infra/resources/tables.yml).
 * Written only by projections of the catalog outbox (shared/catalog/catalog-projection.ts), which
 * order the writes of each SKU (see apply). Its stream feeds the catalog's history
 * (services/catalog/record-catalog-change.ts), which reads its items back with catalogEntryFromItem.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { BatchWriteCommandInput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchWriteCommand, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../../zod';
import type { CatalogEntry, CatalogPage, CatalogQuery, CatalogReadModel } from '../../catalog/catalog-ports';
import { InvalidCursorError, isDeleted } from '../../catalog/catalog-ports';
import type { Product } from '../../catalog/product';

/**
 * How long a tombstone stays before the table's TTL (expiresAt) removes it. It is there for the
 * stream: its record tells the history who removed the product and when, which a deleted item
 * could not. A day is the stream's own retention; the public routes skip tombstones meanwhile.
 */
export const tombstoneRetentionSeconds = 24 * 3600;

type Item = Record<string, unknown>;

/** DynamoDB's limit of requests in one BatchWriteItem. */
const batchWriteSize = 25;
/** BatchWriteItem requests in flight at once for one apply(). */
const concurrentBatches = 8;
/** Tries of one batch's unprocessed items (with back-off from 50 ms) before giving up. */
const maxBatchAttempts = 8;

function toProduct(item: Item): Product {
  return {
    sku: item.sku as string,
    name: item.name as string,
    description: item.description as string,
    category: item.category as string,
    priceCents: item.priceCents as number,
    currency: item.currency as string,
    stock: item.stock as number,
    version: item.version as number,
    updatedAt: item.updatedAt as string,
  };
}

function encodeCursor(key: Item): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string, expectedKeys: string[]): Item {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('is not a cursor returned by this API');
  }
  const valid =
    typeof key === 'object' &&
    key !== null &&
    Object.keys(key).sort().join() === [...expectedKeys].sort().join() &&
    Object.values(key).every((v) => typeof v === 'string');
  if (!valid) throw new InvalidCursorError('does not belong to this query');
  return key as Item;
}

export class DynamoDbCatalogReadModel implements CatalogReadModel {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(sku: string): Promise<Product | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { sku } }));
    // A removed product stays a day as a tombstone (deletedAt, see apply): it is not a product.
    return Item && !Item.deletedAt ? toProduct(Item) : undefined;
  }

  async list({ category, text, limit, cursor }: CatalogQuery): Promise<CatalogPage> {
    const keyNames = category ? ['sku', 'category'] : ['sku'];
    let startKey = cursor ? decodeCursor(cursor, keyNames) : undefined;
    const filters = ['attribute_not_exists(deletedAt)'];
    const values: Item = {};
    if (text) {
      filters.push('contains(searchText, :text)');
      values[':text'] = text.toLowerCase();
    }
    if (category) values[':category'] = category;

    // A filter applies after DynamoDB reads a page, so keep reading until the page is full or
    // the table ends; the cursor is then the key of the last item returned.
    const items: Item[] = [];
    let lastReadKey: Item | undefined;
    let truncated = false;
    do {
      const common = {
        TableName: this.tableName,
        ExclusiveStartKey: startKey,
        FilterExpression: filters.join(' AND '),
        // DynamoDB rejects an empty map here.
        ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
        Limit: limit,
      };
      const page = category
        ? await this.client.send(
            new QueryCommand({ ...common, IndexName: 'byCategory', KeyConditionExpression: 'category = :category' }),
          )
        : await this.client.send(new ScanCommand(common));
      for (const item of page.Items ?? []) {
        if (items.length < limit) items.push(item);
        else truncated = true;
      }
      lastReadKey = page.LastEvaluatedKey;
      startKey = lastReadKey;
    } while (items.length < limit && lastReadKey);

    const last = items.at(-1);
    const more = truncated || lastReadKey !== undefined;
    const nextCursor =
      more && last ? encodeCursor(Object.fromEntries(keyNames.map((name) => [name, last[name]]))) : null;
    return { items: items.map(toProduct), nextCursor };
  }

  /**
   * Writes the entries with BatchWriteItem, 25 to a request, a few requests at a time: many times
   * the rate of one PutItem per product (and of conditional transactions, which DynamoDB Local
   * runs four times slower), at half the write units of a transaction. No condition is needed:
   * the catalog outbox already orders the projections of a SKU (a drain writes while it holds the
   * SKU's outbox row, and a newer change waits on that row, then is queued for the next drain),
   * so an older state never lands after a newer one. A deleted product becomes a tombstone
   * (deletedAt, changedBy) that expires a day later (tombstoneRetentionSeconds).
   * Unprocessed items (throttling) are sent again with back-off; if some still are not written,
   * it throws, and the outbox keeps their SKUs queued.
   */
  async apply(entries: CatalogEntry[]): Promise<void> {
    const requests = entries.map((entry) =>
      isDeleted(entry)
        ? {
            PutRequest: {
              Item: {
                sku: entry.sku,
                version: entry.version,
                deletedAt: entry.deletedAt,
                changedBy: entry.changedBy,
                expiresAt: Math.floor(Date.parse(entry.deletedAt) / 1000) + tombstoneRetentionSeconds,
              },
            },
          }
        : {
            PutRequest: {
              Item: { ...entry, searchText: `${entry.name} ${entry.description} ${entry.category}`.toLowerCase() },
            },
          },
    );
    const batches: (typeof requests)[] = [];
    for (let i = 0; i < requests.length; i += batchWriteSize) batches.push(requests.slice(i, i + batchWriteSize));
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await this.writeBatch(batches[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(concurrentBatches, batches.length) }, worker));
  }

  private async writeBatch(batch: NonNullable<BatchWriteCommandInput['RequestItems']>[string]): Promise<void> {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === maxBatchAttempts) {
        throw new Error(`DynamoDB left ${pending.length} catalog writes unprocessed after ${attempt} attempts`);
      }
      if (attempt > 0) await delay(25 * 2 ** attempt);
      const { UnprocessedItems } = await this.client.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
      );
      pending = UnprocessedItems?.[this.tableName] ?? [];
    }
  }
}

/** An item of the catalog table that is neither a product nor a tombstone of one. */
export class UnreadableCatalogItemError extends Error {
  override readonly name = 'UnreadableCatalogItemError';
}

const text = z.string();
const whole = z.number().check(z.int());
const productItem = z.object({
  sku: text,
  name: text,
  description: text,
  category: text,
  priceCents: whole,
  currency: text,
  stock: whole,
  version: whole,
  updatedAt: text,
  changedBy: z.optional(text),
});
// Earlier releases' tombstones have deletedAt only; they were written by nobody recorded.
const tombstoneItem = z.object({ sku: text, version: whole, deletedAt: text, changedBy: z.optional(text) });

/**
 * An item of the table (an image in its stream, unmarshalled) as the entry it was written from:
 * a product with who changed it last, or a tombstone. Throws UnreadableCatalogItemError for
 * anything else.
 */
export function catalogEntryFromItem(item: Record<string, unknown>): CatalogEntry {
  if (item.deletedAt !== undefined) {
    const tombstone = tombstoneItem.safeParse(item);
    if (tombstone.success) return { ...tombstone.data, deleted: true };
    throw new UnreadableCatalogItemError(`Not a catalog tombstone: ${z.prettifyError(tombstone.error)}`);
  }
  const product = productItem.safeParse(item);
  if (!product.success)
    throw new UnreadableCatalogItemError(`Not a catalog product: ${z.prettifyError(product.error)}`);
  const { changedBy, ...rest } = product.data;
  return { ...rest, ...(changedBy === undefined ? {} : { changedBy }) };
}
