/** Product names from the catalog read model (CatalogTable), many at a time. */
import { setTimeout as delay } from 'node:timers/promises';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProductNames } from '../../clickstream/clickstream-ports';

/** BatchGetItem takes at most 100 keys. */
const keysPerBatch = 100;
/** Tries of the keys DynamoDB left unprocessed (throttling), with back-off from 50 ms. */
const maxAttempts = 5;

export class DynamoDbProductNames implements ProductNames {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async namesOf(skus: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    const unique = [...new Set(skus)];
    for (let start = 0; start < unique.length; start += keysPerBatch) {
      let keys: Record<string, unknown>[] = unique.slice(start, start + keysPerBatch).map((sku) => ({ sku }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt === maxAttempts) throw new Error(`DynamoDB left ${keys.length} catalog reads unprocessed`);
        if (attempt > 0) await delay(25 * 2 ** attempt);
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: keys,
                ProjectionExpression: '#sku, #name, #deletedAt',
                ExpressionAttributeNames: { '#sku': 'sku', '#name': 'name', '#deletedAt': 'deletedAt' },
              },
            },
          }),
        );
        for (const item of Responses?.[this.tableName] ?? []) {
          // Shelf's earlier releases left deleted products as tombstones (deletedAt); they are not products.
          if (!item.deletedAt && typeof item.name === 'string') names.set(item.sku as string, item.name);
        }
        keys = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return names;
  }
}
