/**
 * The catalog read model in DynamoDB (table CatalogTable, infra/resources/tables.yml).
 * Every write is conditional on `version` so projections that arrive out of order never put an
 * older state over a newer one; a deleted product stays as a tombstone for the same reason.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CatalogPage, CatalogQuery, CatalogReadModel, StockLevel } from '../../catalog/catalog-ports';
import { InvalidCursorError } from '../../catalog/catalog-ports';
import type { Product } from '../../catalog/product';

type Item = Record<string, unknown>;

const olderOrAbsent = 'attribute_not_exists(sku) OR version < :version';

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

  async put(product: Product): Promise<void> {
    const searchText = `${product.name} ${product.description} ${product.category}`.toLowerCase();
    await ignoreIfNewer(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...product, searchText },
          ConditionExpression: olderOrAbsent,
          ExpressionAttributeValues: { ':version': product.version },
        }),
      ),
    );
  }

  async remove(sku: string, version: number): Promise<void> {
    await ignoreIfNewer(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { sku, version, deletedAt: new Date().toISOString() },
          ConditionExpression: olderOrAbsent,
          ExpressionAttributeValues: { ':version': version },
        }),
      ),
    );
  }

  async putStock(levels: StockLevel[]): Promise<void> {
    await Promise.all(
      levels.map(({ sku, stock, version }) =>
        ignoreIfNewer(
          this.client.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { sku },
              UpdateExpression: 'SET stock = :stock, version = :version, updatedAt = :now',
              // Only existing, live items: a stock change never resurrects a deleted product.
              ConditionExpression: 'attribute_exists(sku) AND attribute_not_exists(deletedAt) AND version < :version',
              ExpressionAttributeValues: { ':stock': stock, ':version': version, ':now': new Date().toISOString() },
            }),
          ),
        ),
      ),
    );
  }
}
