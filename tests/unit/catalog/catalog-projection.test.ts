// The catalog outbox drained into the read model: by the writer after its commit, and by
// projectCatalog on its schedule; what fails stays queued until a later drain.
import {
  drainBatchSize,
  projectAfterCommit,
  projectQueued,
  projectSkus,
} from '../../../shared/catalog/catalog-projection';
import { aProduct } from '../../fixtures/catalog';
import { FakeCatalogOutbox, FakeCatalogReadModel } from './projection-fakes';

let outbox: FakeCatalogOutbox;
let catalog: FakeCatalogReadModel;

beforeEach(() => {
  outbox = new FakeCatalogOutbox();
  catalog = new FakeCatalogReadModel();
});

describe('projectQueued', () => {
  it('drains the whole outbox in batches and counts what it projected', async () => {
    const count = drainBatchSize * 2 + 5;
    for (let i = 0; i < count; i++) outbox.write(aProduct(`P-${i}`, 1));

    const projected = await projectQueued({ outbox, catalog });

    expect(projected).toBe(count);
    expect(catalog.applied.map((skus) => skus.length)).toEqual([drainBatchSize, drainBatchSize, 5]);
    expect(outbox.queued.size).toBe(0);
  });

  it('projects what the system of record holds now, deletions as tombstones', async () => {
    outbox.write(aProduct('A-1', 1));
    outbox.write(aProduct('A-1', 2));
    outbox.write({ sku: 'B-1', version: 7, deleted: true, deletedAt: '2026-11-29T08:00:00.000Z' });

    await projectQueued({ outbox, catalog });

    expect(catalog.items.get('A-1')).toEqual(aProduct('A-1', 2));
    expect(catalog.items.get('B-1')).toEqual({
      sku: 'B-1',
      version: 7,
      deleted: true,
      deletedAt: '2026-11-29T08:00:00.000Z',
    });
  });

  it('stops taking batches when told to, leaving the rest queued', async () => {
    for (let i = 0; i < drainBatchSize * 3; i++) outbox.write(aProduct(`P-${i}`, 1));
    let batches = 0;

    const projected = await projectQueued({ outbox, catalog }, { shouldStop: () => batches++ >= 1 });

    expect(projected).toBe(drainBatchSize);
    expect(outbox.queued.size).toBe(drainBatchSize * 2);
  });

  it('fails when the read model does, and leaves every SKU queued for the next run', async () => {
    outbox.write(aProduct('A-1', 1));
    catalog.failure = new Error('DynamoDB unreachable');

    await expect(projectQueued({ outbox, catalog })).rejects.toThrow('DynamoDB unreachable');
    expect([...outbox.queued]).toEqual(['A-1']);
  });
});

describe('projectSkus and projectAfterCommit', () => {
  it('projects only the SKUs asked for, in batches', async () => {
    const skus = Array.from({ length: drainBatchSize + 1 }, (_, i) => `P-${i}`);
    for (const sku of skus) outbox.write(aProduct(sku, 1));
    outbox.write(aProduct('OTHER', 1));

    await expect(projectSkus({ outbox, catalog }, skus)).resolves.toBe(skus.length);
    expect([...outbox.queued]).toEqual(['OTHER']);
    expect(outbox.drains.map((d) => d.limit)).toEqual([drainBatchSize, 1]);
  });

  it('answers false instead of failing the writer when DynamoDB is down, and the SKUs stay queued', async () => {
    outbox.write(aProduct('A-1', 1));
    catalog.failure = new Error('DynamoDB unreachable');

    await expect(projectAfterCommit({ outbox, catalog }, ['A-1', 'A-1'])).resolves.toBe(false);
    expect([...outbox.queued]).toEqual(['A-1']);
  });

  it('asks for each SKU once, however often the writer names it', async () => {
    outbox.write(aProduct('A-1', 1));

    await expect(projectAfterCommit({ outbox, catalog }, ['A-1', 'A-1'])).resolves.toBe(true);
    expect(outbox.drains).toEqual([{ skus: ['A-1'], limit: 1 }]);
  });
});
