// GET /products/{sku}/history?limit=&cursor= (admin): the product's audit entries, newest first,
// recorded from the catalog's change feed (record-catalog-change.ts). An unknown SKU has an empty
// history: entries outlive the product, so a removed product's history stays readable.
import { DynamoDbCatalogHistoryStore } from '../../shared/adapters/dynamodb/catalog-history-store';
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { productHistory } from '../../shared/catalog/catalog-history';
import { historyQuery, skuPath } from '../../shared/catalog/catalog-requests';
import { config } from '../../shared/config';
import { httpRoute } from '../../shared/triggers/http-route';
import { ok } from '../../shared/http/responses';

const history = new DynamoDbCatalogHistoryStore(documentClient, config('catalogHistoryTable'));

export const handler = httpRoute({ roles: ['admin'], path: skuPath, query: historyQuery }, async ({ path, query }) => {
  const page = await productHistory(history, path.sku, { limit: query.limit, cursor: query.cursor });
  // The change notice's id is the store's business, not the admin's.
  return ok({ items: page.items.map(({ changeId: _changeId, ...entry }) => entry), nextCursor: page.nextCursor });
});
