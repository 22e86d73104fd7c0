/**
 * What the catalog routes do. Writes go to the system of record first, then to the read model:
 * if the projection fails the write is still safe, and repeating the (idempotent) PUT or DELETE
 * brings the read model up to date.
 */
import { InvalidInputError, NotFoundError } from '../errors';
import type { CatalogPage, CatalogQuery, CatalogReadModel, ProductRepository } from './catalog-ports';
import { InvalidCursorError } from './catalog-ports';
import type { Product, ProductInput } from './product';

export interface CatalogDeps {
  products: ProductRepository;
  catalog: CatalogReadModel;
}

export async function saveProduct(deps: CatalogDeps, sku: string, input: ProductInput): Promise<Product> {
  const product = await deps.products.upsert(sku, input);
  await deps.catalog.put(product);
  return product;
}

export async function deleteProduct(deps: CatalogDeps, sku: string): Promise<void> {
  const removed = await deps.products.remove(sku);
  if (!removed) throw new NotFoundError(`Product ${sku} does not exist`);
  await deps.catalog.remove(sku, removed.version);
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

/** Copies every live product from the system of record into the read model. */
export async function rebuildCatalog(deps: CatalogDeps): Promise<number> {
  const all = await deps.products.listAll();
  for (const product of all) await deps.catalog.put(product);
  return all.length;
}
