// Orders over HTTP on the local stack, against the real PostgreSQL behind it.
import { randomUUID } from 'node:crypto';
import { api, closeDb, createProduct, db, orderCountFor, stockOf, tokenFor, uniqueSku } from './helpers';

afterAll(closeDb);

const shopper = () => {
  const sub = `shopper-${randomUUID()}`;
  return { sub, token: tokenFor('shopper', sub) };
};

describe('placing orders', () => {
  it('reserves stock, records the order and shows it to its owner', async () => {
    const [tea, mug] = [uniqueSku(), uniqueSku()];
    await createProduct(tea, { priceCents: 850, stock: 5 });
    await createProduct(mug, { priceCents: 1800, stock: 2 });
    const alice = shopper();

    const placed = await api('POST', '/orders', {
      token: alice.token,
      body: {
        lines: [
          { sku: tea, quantity: 3 },
          { sku: mug.toLowerCase(), quantity: 1 },
        ],
      },
    });

    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      status: 'PLACED',
      totalCents: 3 * 850 + 1800,
      currency: 'EUR',
      lines: [
        { sku: tea, quantity: 3, unitPriceCents: 850, lineTotalCents: 2550 },
        { sku: mug, quantity: 1, unitPriceCents: 1800, lineTotalCents: 1800 },
      ],
    });
    expect(await stockOf(tea)).toBe(2);
    expect(await stockOf(mug)).toBe(1);
    expect((await api('GET', `/products/${tea}`)).body.stock).toBe(2);

    const mine = await api('GET', `/orders/${placed.body.orderId}`, { token: alice.token });
    expect(mine.status).toBe(200);
    // The order fulfilment workflow may have moved it on already (fulfilment.test.ts follows it).
    expect({ ...mine.body, status: 'PLACED', trackingId: null }).toEqual(placed.body);
    const list = await api('GET', '/orders', { token: alice.token });
    expect(list.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([placed.body.orderId]);
  });

  it("hides a customer's order from other shoppers but shows it to admins", async () => {
    const sku = uniqueSku();
    await createProduct(sku);
    const alice = shopper();
    const bob = shopper();
    const placed = await api('POST', '/orders', { token: alice.token, body: { lines: [{ sku, quantity: 1 }] } });

    expect((await api('GET', `/orders/${placed.body.orderId}`, { token: bob.token })).status).toBe(404);
    expect((await api('GET', '/orders', { token: bob.token })).body.items).toEqual([]);
    const asAdmin = await api('GET', `/orders/${placed.body.orderId}`, { token: tokenFor('admin') });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.customerId).toBe(alice.sub);
  });

  it("pages through a customer's orders newest first", async () => {
    const sku = uniqueSku();
    await createProduct(sku, { stock: 10 });
    const alice = shopper();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await api('POST', '/orders', { token: alice.token, body: { lines: [{ sku, quantity: 1 }] } })).body.orderId,
      );
    }

    const first = await api('GET', '/orders?limit=2', { token: alice.token });
    const second = await api('GET', `/orders?limit=2&cursor=${first.body.nextCursor}`, { token: alice.token });

    expect(first.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([ids[2], ids[1]]);
    expect(second.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('answers 409 naming every short SKU and changes no stock', async () => {
    const [plenty, short1, short2] = [uniqueSku(), uniqueSku(), uniqueSku()];
    await createProduct(plenty, { stock: 10 });
    await createProduct(short1, { stock: 1 });
    await createProduct(short2, { stock: 0 });
    const alice = shopper();

    const response = await api('POST', '/orders', {
      token: alice.token,
      body: {
        lines: [
          { sku: plenty, quantity: 2 },
          { sku: short1, quantity: 2 },
          { sku: short2, quantity: 1 },
        ],
      },
    });

    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('OUT_OF_STOCK');
    expect(response.body.error.details.shortages).toEqual(
      expect.arrayContaining([
        { sku: short1, requested: 2, available: 1 },
        { sku: short2, requested: 1, available: 0 },
      ]),
    );
    expect(response.body.error.details.shortages).toHaveLength(2);
    expect(await stockOf(plenty)).toBe(10);
    expect(await stockOf(short1)).toBe(1);
    expect(await orderCountFor(alice.sub)).toBe(0);
  });

  it('sells the last unit exactly once when shoppers race for it', async () => {
    const sku = uniqueSku();
    await createProduct(sku, { stock: 1 });
    const racers = Array.from({ length: 8 }, shopper);

    const responses = await Promise.all(
      racers.map((r) => api('POST', '/orders', { token: r.token, body: { lines: [{ sku, quantity: 1 }] } })),
    );

    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(await stockOf(sku)).toBe(0);
    const { rows } = await db().query('SELECT count(*)::int AS n FROM order_lines WHERE sku = $1', [sku]);
    expect(rows[0].n).toBe(1);
  });

  it('returns the first order again when a POST is retried with the same Idempotency-Key', async () => {
    const sku = uniqueSku();
    await createProduct(sku, { stock: 5 });
    const alice = shopper();
    const request = {
      token: alice.token,
      body: { lines: [{ sku, quantity: 2 }] },
      headers: { 'idempotency-key': randomUUID() },
    };

    const first = await api('POST', '/orders', request);
    const retry = await api('POST', '/orders', request);

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.orderId).toBe(first.body.orderId);
    expect(await orderCountFor(alice.sub)).toBe(1);
    expect(await stockOf(sku)).toBe(3);

    const reused = await api('POST', '/orders', { ...request, body: { lines: [{ sku, quantity: 1 }] } });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await orderCountFor(alice.sub)).toBe(1);
  });

  it('keeps two customers who pick the same Idempotency-Key apart', async () => {
    const sku = uniqueSku();
    await createProduct(sku, { stock: 5 });
    const [alice, bob] = [shopper(), shopper()];
    const key = randomUUID();
    const body = { lines: [{ sku, quantity: 1 }] };

    const a = await api('POST', '/orders', { token: alice.token, body, headers: { 'idempotency-key': key } });
    const b = await api('POST', '/orders', { token: bob.token, body, headers: { 'idempotency-key': key } });

    expect(a.body.orderId).not.toBe(b.body.orderId);
    expect(await stockOf(sku)).toBe(3);
  });
});

describe('bad order requests write nothing', () => {
  const cases: [string, { body?: unknown; rawBody?: string; headers?: Record<string, string> }, number, string][] = [
    ['malformed JSON', { rawBody: '{"lines": [' }, 400, 'MALFORMED_JSON'],
    [
      'a quantity of the wrong type',
      { body: { lines: [{ sku: 'TEA-SENCHA', quantity: '2' }] } },
      400,
      'VALIDATION_FAILED',
    ],
    ['a negative quantity', { body: { lines: [{ sku: 'TEA-SENCHA', quantity: -1 }] } }, 400, 'VALIDATION_FAILED'],
    ['a fractional quantity', { body: { lines: [{ sku: 'TEA-SENCHA', quantity: 1.5 }] } }, 400, 'VALIDATION_FAILED'],
    ['no lines', { body: { lines: [] } }, 400, 'VALIDATION_FAILED'],
    ['an unknown SKU', { body: { lines: [{ sku: 'NO-SUCH-SKU-1', quantity: 1 }] } }, 400, 'VALIDATION_FAILED'],
    [
      'a repeated SKU',
      {
        body: {
          lines: [
            { sku: 'TEA-SENCHA', quantity: 1 },
            { sku: 'tea-sencha', quantity: 1 },
          ],
        },
      },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a 1 MB body',
      { rawBody: JSON.stringify({ lines: [{ sku: 'TEA-SENCHA', quantity: 1 }], pad: 'x'.repeat(1_000_000) }) },
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'a body that is not JSON',
      { rawBody: 'lines=1', headers: { 'content-type': 'text/plain' } },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
  ];

  it.each(cases)('refuses %s', async (_name, request, status, code) => {
    const alice = shopper();
    const stockBefore = await stockOf('TEA-SENCHA');

    const response = await api('POST', '/orders', { token: alice.token, ...request });

    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(typeof response.body.error.message).toBe('string');
    expect(await orderCountFor(alice.sub)).toBe(0);
    expect(await stockOf('TEA-SENCHA')).toBe(stockBefore);
  });

  it('refuses a token whose sub PostgreSQL could not store with 400 naming token.sub, and places nothing', async () => {
    const sub = 'shopper-\u0000-nul';
    const stockBefore = await stockOf('TEA-SENCHA');

    const response = await api('POST', '/orders', {
      token: tokenFor('shopper', sub),
      body: { lines: [{ sku: 'TEA-SENCHA', quantity: 1 }] },
    });

    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([
      { field: 'token.sub', message: 'contains U+0000 (NUL), which cannot be stored' },
    ]);
    expect(await stockOf('TEA-SENCHA')).toBe(stockBefore);
  });

  it('names the offending field', async () => {
    const response = await api('POST', '/orders', {
      token: shopper().token,
      body: { lines: [{ sku: 'TEA-SENCHA', quantity: -1 }] },
    });
    expect(response.body.error.details).toEqual([expect.objectContaining({ field: 'body.lines.0.quantity' })]);
  });
});
