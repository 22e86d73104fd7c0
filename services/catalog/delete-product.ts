// DELETE /products/{sku} (admin): take a product out of the catalog. Past orders keep their lines.
import { DynamoDbCatalogReadModel } from '../../shared/adapters/dynamodb/catalog-read-model';
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { createPool } from '../../shared/adapters/postgres/pool';
import { PostgresProductRepository } from '../../shared/adapters/postgres/product-repository';
import { skuPath } from '../../shared/catalog/catalog-requests';
import { deleteProduct } from '../../shared/catalog/catalog-service';
import { config } from '../../shared/config';
import { httpRoute } from '../../shared/http/http-route';
import { noContent } from '../../shared/http/responses';

const deps = {
  products: new PostgresProductRepository(createPool()),
  catalog: new DynamoDbCatalogReadModel(documentClient, config('catalogTable')),
};

export const handler = httpRoute({ roles: ['admin'], path: skuPath }, async ({ path }) => {
  await deleteProduct(deps, path.sku);
  return noContent();
});
