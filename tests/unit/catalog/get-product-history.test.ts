import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/catalog/get-product-history';
import { httpEvent, invoke, type HttpEventOptions } from '../../helpers/http-events';

const dynamo = mockClient(DynamoDBDocumentClient);

/** A history item as the store writes it (catalog-history-store.ts). */
const item = (version: number, change = 'changed') => ({
  sku: 'TEA-SENCHA',
  position: String(version).padStart(20, '0'),
  version,
  change,
  changedAt: `2026-12-01T10:00:0${version}.000Z`,
  changedBy: 'admin:admin-1',
  changedFields: ['priceCents'],
  before: { name: 'Sencha', priceCents: 1200, currency: 'EUR', stock: 25 },
  after: { name: 'Sencha', priceCents: 990 + version, currency: 'EUR', stock: 25 },
  changeId: `event-${version}`,
  expiresAt: 1796119200,
});

const cursorFor = (position: string, sku = 'TEA-SENCHA') =>
  Buffer.from(JSON.stringify({ sku, position })).toString('base64url');

function getHistory(options: Partial<HttpEventOptions> = {}) {
  return httpEvent({
    method: 'GET',
    route: '/products/{sku}/history',
    pathParameters: { sku: 'TEA-SENCHA' },
    caller: { sub: 'admin-1', role: 'admin' },
    ...options,
  });
}

interface Page {
  items: Record<string, unknown>[];
  nextCursor: string | null;
}

beforeEach(() => dynamo.reset());

describe('GET /products/{sku}/history', () => {
  it("returns the product's entries newest first, 20 to a page, without the store's keys", async () => {
    dynamo.on(QueryCommand).resolves({ Items: [item(3), item(2), item(1, 'created')] });

    const response = await invoke(handler, getHistory());

    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({
      items: [
        {
          sku: 'TEA-SENCHA',
          version: 3,
          change: 'changed',
          changedAt: '2026-12-01T10:00:03.000Z',
          changedBy: 'admin:admin-1',
          changedFields: ['priceCents'],
          before: { name: 'Sencha', priceCents: 1200, currency: 'EUR', stock: 25 },
          after: { name: 'Sencha', priceCents: 993, currency: 'EUR', stock: 25 },
        },
        expect.objectContaining({ version: 2 }),
        expect.objectContaining({ version: 1, change: 'created' }),
      ],
      nextCursor: null,
    });
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'shelf-test-catalog-history',
      KeyConditionExpression: 'sku = :sku',
      ExpressionAttributeValues: { ':sku': 'TEA-SENCHA' },
      ScanIndexForward: false,
      Limit: 21,
    });
  });

  it('pages with ?limit= and an opaque cursor that goes on after the last entry returned', async () => {
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(5), item(4), item(3)] })
      .resolvesOnce({ Items: [item(3)] });

    const first = await invoke(handler, getHistory({ query: { limit: '2' } }));
    const { nextCursor } = first.body as Page;
    const second = await invoke(handler, getHistory({ query: { limit: '2', cursor: nextCursor! } }));

    expect((first.body as Page).items.map((entry) => entry.version)).toEqual([5, 4]);
    expect(nextCursor).toBe(cursorFor('00000000000000000004'));
    expect(dynamo.commandCalls(QueryCommand)[1]!.args[0].input).toMatchObject({
      ExclusiveStartKey: { sku: 'TEA-SENCHA', position: '00000000000000000004' },
      Limit: 3,
    });
    expect(second.body).toEqual({ items: [expect.objectContaining({ version: 3 })], nextCursor: null });
  });

  it('answers an empty history for a SKU that has none (unknown, or never changed since the history began)', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });

    const response = await invoke(handler, getHistory({ pathParameters: { sku: 'nope-1' } }));

    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ items: [], nextCursor: null });
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { ExpressionAttributeValues: { ':sku': 'NOPE-1' } });
  });

  it.each([
    ['a cursor of another product', { cursor: cursorFor('00000000000000000004', 'TEA-OTHER') }, 'cursor'],
    ['a cursor that is not one', { cursor: 'not-a-cursor' }, 'cursor'],
    ['a limit of 0', { limit: '0' }, 'limit'],
    ['a limit over 100', { limit: '101' }, 'limit'],
    ['an unknown parameter', { order: 'asc' }, ''],
  ])('refuses %s with 400 naming it, reading nothing', async (_, query, field) => {
    const response = await invoke(handler, getHistory({ query }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field }] } });
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it('refuses a shopper with 403 and an anonymous caller with 401, reading nothing', async () => {
    const shopper = await invoke(handler, getHistory({ caller: { sub: 'shopper-1', role: 'shopper' } }));
    const anonymous = await invoke(handler, getHistory({ caller: undefined }));

    expect(shopper.statusCode).toBe(403);
    expect(anonymous.statusCode).toBe(401);
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });
});
