// Reading the catalog table's items (stream images, unmarshalled) back as the entries they were
// written from: what the change feed sees of the read model.
import { catalogEntryFromItem, UnreadableCatalogItemError } from '../../../shared/adapters/dynamodb/catalog-read-model';
import { aProduct } from '../../fixtures/catalog';

const product = { ...aProduct('TEA-1', 3), searchText: 'sencha green tea tea' };

describe('catalogEntryFromItem', () => {
  it('reads a product with who changed it, leaving the search text out', () => {
    expect(catalogEntryFromItem({ ...product, changedBy: 'order:o-1' })).toEqual({
      ...aProduct('TEA-1', 3),
      changedBy: 'order:o-1',
    });
  });

  it('reads a product written before changes were attributed, with nobody recorded', () => {
    expect(catalogEntryFromItem(product)).toEqual(aProduct('TEA-1', 3));
  });

  it('reads a tombstone: version, when and by whom', () => {
    const tombstone = {
      sku: 'TEA-1',
      version: 4,
      deletedAt: '2026-12-01T11:00:00.000Z',
      changedBy: 'admin:a',
      expiresAt: 1,
    };

    expect(catalogEntryFromItem(tombstone)).toEqual({
      sku: 'TEA-1',
      version: 4,
      deleted: true,
      deletedAt: '2026-12-01T11:00:00.000Z',
      changedBy: 'admin:a',
    });
  });

  it.each([
    ['a product without its price', { ...product, priceCents: undefined }],
    ['a product whose stock is text', { ...product, stock: '25' }],
    ['another table’s item', { key: 'binary', val: 'data' }],
    ['a tombstone without a version', { sku: 'TEA-1', deletedAt: '2026-12-01T11:00:00.000Z' }],
  ])('refuses %s', (_, item) => {
    expect(() => catalogEntryFromItem(item)).toThrow(UnreadableCatalogItemError);
  });
});
