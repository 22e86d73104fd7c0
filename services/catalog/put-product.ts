// PUT /products/{sku} (admin): create or replace a product and its stock level in PostgreSQL,
// then project it into the catalog read model. The admin is recorded as who changed it.
import { catalogProjection } from '../../shared/adapters/catalog-projection';
import { createPool } from '../../shared/adapters/postgres/pool';
import { PostgresProductRepository } from '../../shared/adapters/postgres/product-repository';
import { skuPath } from '../../shared/catalog/catalog-requests';
import { saveProduct } from '../../shared/catalog/catalog-service';
import { changedBy } from '../../shared/catalog/changed-by';
import { productInputSchema } from '../../shared/catalog/product';
import { httpRoute } from '../../shared/triggers/http-route';
import { ok } from '../../shared/http/responses';

const pool = createPool();
const deps = { products: new PostgresProductRepository(pool), ...catalogProjection(pool) };

export const handler = httpRoute(
  { roles: ['admin'], path: skuPath, body: productInputSchema },
  async ({ path, body, caller }) => ok(await saveProduct(deps, path.sku, body, changedBy.admin(caller.id))),
);
