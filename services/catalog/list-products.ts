// GET /products?category=&q=&limit=&cursor= (public): a page of the catalog read model.
import { DynamoDbCatalogReadModel } from '../../shared/adapters/dynamodb/catalog-read-model';
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { catalogQuery } from '../../shared/catalog/catalog-requests';
import { browseCatalog } from '../../shared/catalog/catalog-service';
import { config } from '../../shared/config';
import { httpRoute } from '../../shared/triggers/http-route';
import { ok } from '../../shared/http/responses';

const catalog = new DynamoDbCatalogReadModel(documentClient, config('catalogTable'));

export const handler = httpRoute({ query: catalogQuery }, async ({ query }) =>
  ok(
    await browseCatalog(catalog, { category: query.category, text: query.q, limit: query.limit, cursor: query.cursor }),
  ),
);
