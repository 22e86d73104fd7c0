/**
 * What the catalog routes do. Writes go to the system of record, which queues them for the read
 * model in the same transaction (the catalog outbox); the write then projects what it changed.
 * If that projection fails the write still stands, and the read model catches up on its own
 * (shared/catalog/catalog-projection.ts).
 */
import { InvalidInputError, NotFoundError } from '../errors';
import type { CatalogPage, CatalogQuery, CatalogReadModel, ProductRepository } from './catalog-ports';
import { InvalidCursorError } from './catalog-ports';
import { projectAfterCommit, type ProjectionDeps } from './catalog-projection';
import type { Product, ProductInput } from './product';

export interface CatalogDeps extends ProjectionDeps {
  products: ProductRepository;
}

/** `by`: who saves it (changed-by.ts), recorded with the change for the catalog's history. */
export async function saveProduct(deps: CatalogDeps, sku: string, input: ProductInput, by: string): Promise<Product> {
  const product = await deps.products.upsert(sku, input, by);
  await projectAfterCommit(deps, [sku]);
  return product;
}

export async function deleteProduct(deps: CatalogDeps, sku: string, by: string): Promise<void> {
  const removed = await deps.products.remove(sku, by);
  if (!removed) throw new NotFoundError(`Product ${sku} does not exist`);
  await projectAfterCommit(deps, [sku]);
}

export async function getProduct(catalog: CatalogReadModel, sku: string): Promise<Product> {
  const product = await catalog.get(sku);
  if (!product) throw new NotFoundError(`Product ${sku} does not exist`);
  return product;
}

export async function browseCatalog(catalog: CatalogReadModel, query: CatalogQuery): Promise<CatalogPage> {
  try {
    return await catalog.list(query);
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw new InvalidInputError('Invalid cursor', [{ field: 'cursor', message: error.message }]);
    }
    throw error;
  }
}
