// DELETE /products/{sku} (admin): take a product out of the catalog. Past orders keep their lines;
// the admin is recorded as who removed it.
import { catalogProjection } from '../../shared/adapters/catalog-projection';
import { createPool } from '../../shared/adapters/postgres/pool';
import { PostgresProductRepository } from '../../shared/adapters/postgres/product-repository';
import { skuPath } from '../../shared/catalog/catalog-requests';
import { deleteProduct } from '../../shared/catalog/catalog-service';
import { changedBy } from '../../shared/catalog/changed-by';
import { httpRoute } from '../../shared/triggers/http-route';
import { noContent } from '../../shared/http/responses';

const pool = createPool();
const deps = { products: new PostgresProductRepository(pool), ...catalogProjection(pool) };

export const handler = httpRoute({ roles: ['admin'], path: skuPath }, async ({ path, caller }) => {
  await deleteProduct(deps, path.sku, changedBy.admin(caller.id));
  return noContent();
});
