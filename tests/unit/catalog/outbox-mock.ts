// For handler tests that mock the PostgreSQL catalog outbox (jest.mock): a drain that hands the
// given entries to the projection for the SKUs asked about, as the real one does after locking them.
import type { CatalogEntry, CatalogOutbox } from '../../../shared/catalog/catalog-ports';

export function drainingTheOutbox(drain: jest.SpiedFunction<CatalogOutbox['drain']>, entries: CatalogEntry[]): void {
  drain.mockReset();
  drain.mockImplementation(async (project, { skus }) => {
    const taken = entries.filter((entry) => !skus || skus.includes(entry.sku));
    if (taken.length) await project(taken);
    return taken.length;
  });
}
