// GET /products/{sku} (public): one product from the catalog read model, or 404.
import { DynamoDbCatalogReadModel } from '../../shared/adapters/dynamodb/catalog-read-model';
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { skuPath } from '../../shared/catalog/catalog-requests';
import { getProduct } from '../../shared/catalog/catalog-service';
import { config } from '../../shared/config';
import { httpRoute } from '../../shared/triggers/http-route';
import { ok } from '../../shared/http/responses';

const catalog = new DynamoDbCatalogReadModel(documentClient, config('catalogTable'));

export const handler = httpRoute({ path: skuPath }, async ({ path }) => ok(await getProduct(catalog, path.sku)));
