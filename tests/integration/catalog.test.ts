// The catalog over HTTP on the local stack: PostgreSQL is written, the DynamoDB read model follows.
import { api, closeDb, createProduct, db, tokenFor, uniqueSku, adminToken } from './helpers';

afterAll(closeDb);

describe('catalog on the local stack', () => {
  it('answers /health without a token', async () => {
    const response = await api('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', service: 'shelf', stage: 'local' });
  });

  it('serves the seeded demo catalog publicly', async () => {
    const response = await api('GET', '/products/TEA-SENCHA');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ sku: 'TEA-SENCHA', priceCents: 1200, currency: 'EUR' });
    expect(typeof response.body.stock).toBe('number');
  });

  it('stores an admin PUT in PostgreSQL and shows it in the catalog with its stock', async () => {
    const sku = uniqueSku();
    await createProduct(sku, { name: 'Matcha whisk', category: 'it-tools', priceCents: 1450, stock: 7 });

    const { rows } = await db().query(
      'SELECT name, category, price_cents, currency, stock FROM products WHERE sku = $1',
      [sku],
    );
    expect(rows).toEqual([
      { name: 'Matcha whisk', category: 'it-tools', price_cents: 1450, currency: 'EUR', stock: 7 },
    ]);
    const product = await api('GET', `/products/${sku.toLowerCase()}`);
    expect(product.status).toBe(200);
    expect(product.body).toMatchObject({ sku, name: 'Matcha whisk', priceCents: 1450, currency: 'EUR', stock: 7 });
  });

  it('replaces a product on a second PUT and keeps one row', async () => {
    const sku = uniqueSku();
    await createProduct(sku, { priceCents: 100, stock: 1 });
    const second = await createProduct(sku, { priceCents: 250, stock: 4 });

    expect(second).toMatchObject({ sku, stock: 4, version: 2 });
    const { rows } = await db().query('SELECT price_cents, stock FROM products WHERE sku = $1', [sku]);
    expect(rows).toEqual([{ price_cents: 250, stock: 4 }]);
    expect((await api('GET', `/products/${sku}`)).body).toMatchObject({ priceCents: 250, stock: 4 });
  });

  it('filters by category and searches text, paging with a cursor until every match is seen', async () => {
    const category = `it-${uniqueSku('c').toLowerCase()}`;
    const skus = [uniqueSku(), uniqueSku(), uniqueSku()];
    for (const [i, sku] of skus.entries()) {
      await createProduct(sku, { category, name: i === 1 ? 'Oolong Special' : `Plain ${i}` });
    }

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `category=${category}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await api<{ items: { sku: string }[]; nextCursor: string | null }>('GET', `/products?${query}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item) => item.sku));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...skus].sort());

    const search = await api('GET', `/products?category=${category}&q=OOLONG`);
    expect(search.body.items.map((item: { sku: string }) => item.sku)).toEqual([skus[1]]);
  });

  it('deletes a product: gone from the catalog, kept (marked deleted) in PostgreSQL', async () => {
    const sku = uniqueSku();
    await createProduct(sku);

    const deleted = await api('DELETE', `/products/${sku}`, { token: adminToken() });

    expect(deleted.status).toBe(204);
    expect((await api('GET', `/products/${sku}`)).status).toBe(404);
    const { rows } = await db().query('SELECT deleted_at IS NOT NULL AS deleted FROM products WHERE sku = $1', [sku]);
    expect(rows).toEqual([{ deleted: true }]);
    expect((await api('DELETE', `/products/${sku}`, { token: adminToken() })).status).toBe(404);
  });

  it('refuses an invalid product with 400 naming each field, and writes nothing', async () => {
    const sku = uniqueSku();
    const response = await api('PUT', `/products/${sku}`, {
      token: adminToken(),
      body: { name: '', category: 'tea', priceCents: -5, currency: 'XXX', stock: 1.5 },
    });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    const fields = response.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['body.name', 'body.priceCents', 'body.currency', 'body.stock']));
    const { rowCount } = await db().query('SELECT 1 FROM products WHERE sku = $1', [sku]);
    expect(rowCount).toBe(0);
  });

  it('refuses text PostgreSQL could not store as given (a NUL, half a surrogate pair) with 400 naming the field', async () => {
    const sku = uniqueSku();
    const product = { name: 'Sencha', category: 'tea', priceCents: 100, currency: 'EUR', stock: 1 };

    const nul = await api('PUT', `/products/${sku}`, {
      token: adminToken(),
      body: { ...product, name: 'Sen\u0000cha' },
    });
    const surrogate = await api('PUT', `/products/${sku}`, {
      token: adminToken(),
      body: { ...product, description: 'Green \ud83c tea' },
    });

    expect(nul.status).toBe(400);
    expect(nul.body.error.details).toEqual([
      { field: 'body.name', message: 'contains U+0000 (NUL), which cannot be stored' },
    ]);
    expect(surrogate.status).toBe(400);
    expect(surrogate.body.error.details).toEqual([
      expect.objectContaining({ field: 'body.description', message: expect.stringContaining('U+D83C') }),
    ]);
    const { rowCount } = await db().query('SELECT 1 FROM products WHERE sku = $1', [sku]);
    expect(rowCount).toBe(0);
  });

  it('lets only admins change the catalog', async () => {
    const sku = uniqueSku();
    const body = { name: 'x', category: 'tea', priceCents: 1, currency: 'EUR', stock: 1 };
    const asShopper = await api('PUT', `/products/${sku}`, { token: tokenFor('shopper'), body });
    const anonymous = await api('PUT', `/products/${sku}`, { body });

    expect(asShopper.status).toBe(403);
    expect(asShopper.body.error.code).toBe('FORBIDDEN');
    expect(anonymous.status).toBe(401);
    const { rowCount } = await db().query('SELECT 1 FROM products WHERE sku = $1', [sku]);
    expect(rowCount).toBe(0);
  });
});
