// The catalog domain over hand-written in-memory fakes of its ports: no AWS, no database, no jest.mock.
import type { ProductRepository } from '../../../shared/catalog/catalog-ports';
import { InvalidCursorError } from '../../../shared/catalog/catalog-ports';
import { projectQueued } from '../../../shared/catalog/catalog-projection';
import { browseCatalog, deleteProduct, getProduct, saveProduct } from '../../../shared/catalog/catalog-service';
import { changedBy } from '../../../shared/catalog/changed-by';
import type { Product, ProductInput } from '../../../shared/catalog/product';
import { InvalidInputError, NotFoundError } from '../../../shared/errors';
import { aProduct, senchaInput } from '../../fixtures/catalog';
import { FakeCatalogOutbox, FakeCatalogReadModel } from './projection-fakes';

const input = senchaInput;
const admin = changedBy.admin('admin-1');
/** What the read model holds after the admin saved the product at this version. */
const projected = (version: number) => ({ ...aProduct('TEA-SENCHA', version), changedBy: admin });

/** The system of record: versions grow by one on every change, and each change is queued, as in PostgreSQL. */
class FakeRepository implements ProductRepository {
  failWith?: Error;

  constructor(private readonly outbox: FakeCatalogOutbox) {}

  upsert(sku: string, productInput: ProductInput, by: string): Promise<Product> {
    if (this.failWith) return Promise.reject(this.failWith);
    const version = (this.outbox.entries.get(sku)?.version ?? 0) + 1;
    const product = { sku, ...productInput, version, updatedAt: '2026-11-28T10:00:00.000Z' };
    this.outbox.write({ ...product, changedBy: by });
    return Promise.resolve(product);
  }

  remove(sku: string, by: string): Promise<{ version: number } | undefined> {
    const existing = this.outbox.entries.get(sku);
    if (!existing || 'deleted' in existing) return Promise.resolve(undefined);
    const version = existing.version + 1;
    this.outbox.write({ sku, version, deleted: true, deletedAt: '2026-11-29T08:00:00.000Z', changedBy: by });
    return Promise.resolve({ version });
  }
}

let outbox: FakeCatalogOutbox;
let catalog: FakeCatalogReadModel;
let deps: { products: FakeRepository; outbox: FakeCatalogOutbox; catalog: FakeCatalogReadModel };

beforeEach(() => {
  outbox = new FakeCatalogOutbox();
  catalog = new FakeCatalogReadModel();
  deps = { products: new FakeRepository(outbox), outbox, catalog };
});

describe('saveProduct', () => {
  it('writes the system of record, projects that SKU from the outbox, and returns the saved product', async () => {
    const saved = await saveProduct(deps, 'TEA-SENCHA', input, admin);

    expect(saved).toEqual(aProduct('TEA-SENCHA', 1));
    expect(outbox.drains).toEqual([{ skus: ['TEA-SENCHA'], limit: 1 }]);
    expect(catalog.items.get('TEA-SENCHA')).toEqual(projected(1));
    expect(outbox.queued.size).toBe(0);
  });

  it('projects the version the repository assigned', async () => {
    await saveProduct(deps, 'TEA-SENCHA', input, admin);

    const saved = await saveProduct(deps, 'TEA-SENCHA', { ...input, stock: 3 }, admin);

    expect(saved.version).toBe(2);
    expect(catalog.items.get('TEA-SENCHA')).toMatchObject({ stock: 3, version: 2 });
  });

  it('projects only its own SKU, leaving other queued ones to their writers or projectCatalog', async () => {
    outbox.write(aProduct('OTHER-1', 1));

    await saveProduct(deps, 'TEA-SENCHA', input, admin);

    expect([...catalog.items.keys()]).toEqual(['TEA-SENCHA']);
    expect([...outbox.queued]).toEqual(['OTHER-1']);
  });

  it('still returns the saved product when DynamoDB fails, and the SKU stays queued until a later drain', async () => {
    catalog.failure = new Error('DynamoDB unreachable');

    const saved = await saveProduct(deps, 'TEA-SENCHA', input, admin);

    expect(saved).toEqual(aProduct('TEA-SENCHA', 1));
    expect(catalog.items.size).toBe(0);
    expect([...outbox.queued]).toEqual(['TEA-SENCHA']);

    catalog.failure = undefined;
    await expect(projectQueued(deps)).resolves.toBe(1);
    expect(catalog.items.get('TEA-SENCHA')).toEqual(projected(1));
  });

  it('leaves the read model alone when the repository write fails', async () => {
    deps.products.failWith = new Error('database down');

    await expect(saveProduct(deps, 'TEA-SENCHA', input, admin)).rejects.toThrow('database down');
    expect(outbox.drains).toEqual([]);
    expect(catalog.items.size).toBe(0);
  });
});

describe('deleteProduct', () => {
  it('marks the product deleted, then projects a tombstone with the new version, when and by whom', async () => {
    await saveProduct(deps, 'TEA-SENCHA', input, admin);

    await deleteProduct(deps, 'TEA-SENCHA', admin);

    expect(catalog.items.get('TEA-SENCHA')).toEqual({
      sku: 'TEA-SENCHA',
      version: 2,
      deleted: true,
      deletedAt: '2026-11-29T08:00:00.000Z',
      changedBy: admin,
    });
    await expect(getProduct(catalog, 'TEA-SENCHA')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('throws NotFoundError for a product that does not exist, touching no read model', async () => {
    const attempt = deleteProduct(deps, 'NOPE-1', admin);

    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
    await expect(attempt).rejects.toThrow('Product NOPE-1 does not exist');
    expect(outbox.drains).toEqual([]);
  });

  it('throws NotFoundError when the product was already deleted', async () => {
    await saveProduct(deps, 'TEA-SENCHA', input, admin);
    await deleteProduct(deps, 'TEA-SENCHA', admin);

    await expect(deleteProduct(deps, 'TEA-SENCHA', admin)).rejects.toBeInstanceOf(NotFoundError);
    expect(outbox.drains).toHaveLength(2);
  });
});

describe('getProduct', () => {
  it('returns the product from the read model', async () => {
    catalog.items.set('TEA-SENCHA', aProduct('TEA-SENCHA', 3));

    await expect(getProduct(catalog, 'TEA-SENCHA')).resolves.toEqual(aProduct('TEA-SENCHA', 3));
  });

  it('throws NotFoundError for a missing or deleted product', async () => {
    catalog.items.set('OLD-1', { sku: 'OLD-1', version: 4, deleted: true, deletedAt: '2026-11-29T08:00:00.000Z' });

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
