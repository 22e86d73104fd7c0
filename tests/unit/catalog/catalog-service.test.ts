// The catalog domain over hand-written in-memory fakes of its ports: no AWS, no database, no jest.mock.
import type {
  CatalogPage,
  CatalogQuery,
  CatalogReadModel,
  ProductRepository,
  StockLevel,
} from '../../../shared/catalog/catalog-ports';
import { InvalidCursorError } from '../../../shared/catalog/catalog-ports';
import {
  browseCatalog,
  deleteProduct,
  getProduct,
  rebuildCatalog,
  saveProduct,
} from '../../../shared/catalog/catalog-service';
import type { Product, ProductInput } from '../../../shared/catalog/product';
import { InvalidInputError, NotFoundError } from '../../../shared/errors';
import { aProduct, senchaInput } from '../../fixtures/catalog';

const input = senchaInput;

/** One log both fakes write to, so a test can see the order of the writes. */
type Write = string;

/** The system of record: versions grow by one on every change, as in PostgreSQL. */
class FakeRepository implements ProductRepository {
  readonly products = new Map<string, Product & { deleted: boolean }>();
  failWith?: Error;

  constructor(private readonly log: Write[]) {}

  upsert(sku: string, productInput: ProductInput): Promise<Product> {
    if (this.failWith) return Promise.reject(this.failWith);
    const version = (this.products.get(sku)?.version ?? 0) + 1;
    const product = { sku, ...productInput, version, updatedAt: '2026-11-28T10:00:00.000Z' };
    this.products.set(sku, { ...product, deleted: false });
    this.log.push(`repository.upsert ${sku} v${version}`);
    return Promise.resolve(product);
  }

  remove(sku: string): Promise<{ version: number } | undefined> {
    const existing = this.products.get(sku);
    if (!existing || existing.deleted) return Promise.resolve(undefined);
    const version = existing.version + 1;
    this.products.set(sku, { ...existing, version, deleted: true });
    this.log.push(`repository.remove ${sku} v${version}`);
    return Promise.resolve({ version });
  }

  listAll(): Promise<Product[]> {
    const live = [...this.products.values()].filter((p) => !p.deleted);
    return Promise.resolve(live.map(({ deleted: _deleted, ...product }) => product));
  }
}

class FakeReadModel implements CatalogReadModel {
  readonly items = new Map<string, Product | { sku: string; version: number; deleted: true }>();
  readonly queries: CatalogQuery[] = [];
  listFailure?: Error;
  page: CatalogPage = { items: [], nextCursor: null };

  constructor(private readonly log: Write[]) {}

  get(sku: string): Promise<Product | undefined> {
    const item = this.items.get(sku);
    return Promise.resolve(item && !('deleted' in item) ? item : undefined);
  }

  list(query: CatalogQuery): Promise<CatalogPage> {
    this.queries.push(query);
    return this.listFailure ? Promise.reject(this.listFailure) : Promise.resolve(this.page);
  }

  put(product: Product): Promise<void> {
    this.items.set(product.sku, product);
    this.log.push(`catalog.put ${product.sku} v${product.version}`);
    return Promise.resolve();
  }

  remove(sku: string, version: number): Promise<void> {
    this.items.set(sku, { sku, version, deleted: true });
    this.log.push(`catalog.remove ${sku} v${version}`);
    return Promise.resolve();
  }

  putStock(_levels: StockLevel[]): Promise<void> {
    return Promise.reject(new Error('not used by the catalog service'));
  }
}

let log: Write[];
let products: FakeRepository;
let catalog: FakeReadModel;

beforeEach(() => {
  log = [];
  products = new FakeRepository(log);
  catalog = new FakeReadModel(log);
});

describe('saveProduct', () => {
  it('writes the system of record first, then the read model, and returns the saved product', async () => {
    const saved = await saveProduct({ products, catalog }, 'TEA-SENCHA', input);

    expect(saved).toEqual(aProduct('TEA-SENCHA', 1));
    expect(log).toEqual(['repository.upsert TEA-SENCHA v1', 'catalog.put TEA-SENCHA v1']);
    expect(catalog.items.get('TEA-SENCHA')).toEqual(aProduct('TEA-SENCHA', 1));
  });

  it('projects the version the repository assigned', async () => {
    await saveProduct({ products, catalog }, 'TEA-SENCHA', input);

    const saved = await saveProduct({ products, catalog }, 'TEA-SENCHA', { ...input, stock: 3 });

    expect(saved.version).toBe(2);
    expect(catalog.items.get('TEA-SENCHA')).toMatchObject({ stock: 3, version: 2 });
  });

  it('leaves the read model alone when the repository write fails', async () => {
    products.failWith = new Error('database down');

    await expect(saveProduct({ products, catalog }, 'TEA-SENCHA', input)).rejects.toThrow('database down');
    expect(log).toEqual([]);
    expect(catalog.items.size).toBe(0);
  });
});

describe('deleteProduct', () => {
  it('marks the product deleted, then records a tombstone with the new version', async () => {
    await saveProduct({ products, catalog }, 'TEA-SENCHA', input);

    await deleteProduct({ products, catalog }, 'TEA-SENCHA');

    expect(log.slice(2)).toEqual(['repository.remove TEA-SENCHA v2', 'catalog.remove TEA-SENCHA v2']);
    expect(catalog.items.get('TEA-SENCHA')).toEqual({ sku: 'TEA-SENCHA', version: 2, deleted: true });
  });

  it('throws NotFoundError for a product that does not exist, touching no read model', async () => {
    const attempt = deleteProduct({ products, catalog }, 'NOPE-1');

    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
    await expect(attempt).rejects.toThrow('Product NOPE-1 does not exist');
    expect(log).toEqual([]);
  });

  it('throws NotFoundError when the product was already deleted', async () => {
    await saveProduct({ products, catalog }, 'TEA-SENCHA', input);
    await deleteProduct({ products, catalog }, 'TEA-SENCHA');

    await expect(deleteProduct({ products, catalog }, 'TEA-SENCHA')).rejects.toBeInstanceOf(NotFoundError);
    expect(log).toHaveLength(4);
  });
});

describe('getProduct', () => {
  it('returns the product from the read model', async () => {
    catalog.items.set('TEA-SENCHA', aProduct('TEA-SENCHA', 3));

    await expect(getProduct(catalog, 'TEA-SENCHA')).resolves.toEqual(aProduct('TEA-SENCHA', 3));
  });

  it('throws NotFoundError for a missing or deleted product', async () => {
    catalog.items.set('OLD-1', { sku: 'OLD-1', version: 4, deleted: true });

    await expect(getProduct(catalog, 'OLD-1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(getProduct(catalog, 'NOPE-1')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('browseCatalog', () => {
  it('passes the query to the read model and returns its page', async () => {
    catalog.page = { items: [aProduct('TEA-1')], nextCursor: 'abc' };
    const query = { category: 'tea', text: 'green', limit: 5, cursor: 'xyz' };

    const page = await browseCatalog(catalog, query);

    expect(page).toEqual({ items: [aProduct('TEA-1')], nextCursor: 'abc' });
    expect(catalog.queries).toEqual([query]);
  });

  it('turns a cursor the read model cannot decode into InvalidInputError naming cursor', async () => {
    catalog.listFailure = new InvalidCursorError('does not belong to this query');

    const attempt = browseCatalog(catalog, { limit: 20, cursor: 'bad' });

    await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
    await expect(attempt).rejects.toMatchObject({
      details: [{ field: 'cursor', message: 'does not belong to this query' }],
    });
  });

  it('passes other read model failures on unchanged', async () => {
    const failure = new Error('throttled');
    catalog.listFailure = failure;

    await expect(browseCatalog(catalog, { limit: 20 })).rejects.toBe(failure);
  });
});

describe('rebuildCatalog', () => {
  it('projects every live product into the read model and counts them', async () => {
    await saveProduct({ products, catalog }, 'A-1', input);
    await saveProduct({ products, catalog }, 'B-2', input);
    await saveProduct({ products, catalog }, 'C-3', input);
    await deleteProduct({ products, catalog }, 'C-3');
    catalog.items.clear();
    log.length = 0;

    const count = await rebuildCatalog({ products, catalog });

    expect(count).toBe(2);
    expect(log).toEqual(['catalog.put A-1 v1', 'catalog.put B-2 v1']);
    expect([...catalog.items.keys()]).toEqual(['A-1', 'B-2']);
  });

  it('projects nothing and counts 0 for an empty catalog', async () => {
    await expect(rebuildCatalog({ products, catalog })).resolves.toBe(0);
    expect(log).toEqual([]);
  });
});
