/**
 * The catalog read model in DynamoDB (table CatalogTable, infra/resources/tables.yml).
 * Written only by projections of the catalog outbox (shared/catalog/catalog-projection.ts). Every
 * write is conditional on `version`, so an older state never replaces a newer one; a deleted
 * product stays as a tombstone for the same reason.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { CatalogEntry, CatalogPage, CatalogQuery, CatalogReadModel } from '../../catalog/catalog-ports';
import { InvalidCursorError, isDeleted } from '../../catalog/catalog-ports';
import type { Product } from '../../catalog/product';

type Item = Record<string, unknown>;

/** DynamoDB's limit of items in one TransactWriteItems. */
const transactionSize = 100;
/** Transactions in flight at once for one apply(). */
const concurrentTransactions = 8;

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

async function ignoreIfNewer(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return;
    throw error;
  }
}

export class DynamoDbCatalogReadModel implements CatalogReadModel {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(sku: string): Promise<Product | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { sku } }));
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
   * Writes the entries in transactions of up to 100 items, a few at a time: many times the rate of
   * one PutItem per product, and still conditional, so an entry never replaces a newer version
   * (the outbox already orders projections; this holds even if a late write arrives). When a
   * transaction is cancelled (a condition failed, or it met another write of the same SKUs), its
   * entries are written one by one and a newer version already there is left alone.
   */
  async apply(entries: CatalogEntry[]): Promise<void> {
    const groups: CatalogEntry[][] = [];
    for (let i = 0; i < entries.length; i += transactionSize) groups.push(entries.slice(i, i + transactionSize));
    let next = 0;
    const worker = async () => {
      while (next < groups.length) {
        const group = groups[next++]!;
        try {
          await this.client.send(
            new TransactWriteCommand({ TransactItems: group.map((entry) => ({ Put: this.conditionalPut(entry) })) }),
          );
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
          for (const entry of group) await ignoreIfNewer(this.client.send(new PutCommand(this.conditionalPut(entry))));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrentTransactions, groups.length) }, worker));
  }

  private conditionalPut(entry: CatalogEntry) {
    const item = isDeleted(entry)
      ? // A tombstone: keeps the version, so nothing older can bring the product back.
        { sku: entry.sku, version: entry.version, deletedAt: new Date().toISOString() }
      : {
          ...entry,
          searchText: `${entry.name} ${entry.description} ${entry.category}`.toLowerCase(),
        };
    return {
      TableName: this.tableName,
      Item: item,
      // The same version again is fine (a projection repeated after a failure).
      ConditionExpression: 'attribute_not_exists(sku) OR version <= :version',
      ExpressionAttributeValues: { ':version': entry.version },
    };
  }
}
