/**
 * The catalog's history in DynamoDB (CatalogHistoryTable, infra/resources/tables.yml): one item
 * per entry, keyed by SKU and its place in the product's history, so a product's entries are one
 * Query, newest first.
 *
 * The place is the product's version (zero-padded, so the strings sort as the numbers do), with
 * `#removed` after it for a removal: a removal made outside Shelf keeps the version it removed,
 * and sorts after the entry of that version. A conditional put writes an entry once: the same
 * stream record delivered twice, or the same state projected twice (a read model rebuilt from
 * PostgreSQL), finds its place taken and changes nothing.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CatalogHistoryEntry } from '../../catalog/catalog-history';
import type { CatalogHistoryPage, CatalogHistoryStore } from '../../catalog/catalog-ports';
import { InvalidCursorError } from '../../catalog/catalog-ports';

/** How long an entry is kept (the table's TTL, expiresAt): a year of looking back. */
export const historyRetentionSeconds = 365 * 24 * 3600;

export function historyPosition(entry: Pick<CatalogHistoryEntry, 'version' | 'change'>): string {
  return `${String(entry.version).padStart(20, '0')}${entry.change === 'removed' ? '#removed' : ''}`;
}

interface HistoryKey {
  sku: string;
  position: string;
}

function encodeCursor(key: HistoryKey): string {
  return Buffer.from(JSON.stringify({ sku: key.sku, position: key.position })).toString('base64url');
}

function decodeCursor(cursor: string, sku: string): HistoryKey {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('is not a cursor returned by this API');
  }
  const { sku: cursorSku, position } = (key ?? {}) as Partial<HistoryKey>;
  const valid =
    typeof key === 'object' &&
    Object.keys(key as object).length === 2 &&
    cursorSku === sku &&
    typeof position === 'string' &&
    /^\d{20}(#removed)?$/.test(position);
  if (!valid) throw new InvalidCursorError('does not belong to this product');
  return { sku, position };
}

function toEntry(item: Record<string, unknown>): CatalogHistoryEntry {
  const { position: _position, expiresAt: _ttl, ...entry } = item;
  return entry as unknown as CatalogHistoryEntry;
}

export class DynamoDbCatalogHistoryStore implements CatalogHistoryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(entry: CatalogHistoryEntry): Promise<boolean> {
    const changedAt = Date.parse(entry.changedAt);
    const expiresAt = Math.floor((Number.isNaN(changedAt) ? Date.now() : changedAt) / 1000) + historyRetentionSeconds;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...entry, position: historyPosition(entry), expiresAt },
          ConditionExpression: 'attribute_not_exists(sku)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async list(sku: string, { limit, cursor }: { limit: number; cursor?: string }): Promise<CatalogHistoryPage> {
    // One more than asked: whether it exists says if there is a next page, so the last page ends
    // with a null cursor instead of an empty page after it.
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'sku = :sku',
        ExpressionAttributeValues: { ':sku': sku },
        ExclusiveStartKey: cursor ? { ...decodeCursor(cursor, sku) } : undefined,
        ScanIndexForward: false,
        Limit: limit + 1,
      }),
    );
    const items = Items.slice(0, limit);
    const last = items.at(-1);
    const nextCursor = Items.length > limit && last ? encodeCursor(last as unknown as HistoryKey) : null;
    return { items: items.map(toEntry), nextCursor };
  }
}
