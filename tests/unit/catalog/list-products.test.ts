import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/catalog/list-products';
import { httpEvent, invoke } from '../../helpers/http-events';

const dynamo = mockClient(DynamoDBDocumentClient);

/** A catalog item as the read model stores it (with its searchText). */
function item(sku: string, category = 'tea') {
  return {
    sku,
    name: `Product ${sku}`,
    description: 'Loose leaf',
    category,
    priceCents: 1000,
    currency: 'EUR',
    stock: 10,
    version: 1,
    updatedAt: '2026-11-28T10:00:00.000Z',
    searchText: `product ${sku.toLowerCase()} loose leaf ${category}`,
  };
}

const listProducts = (query?: Record<string, string>) => httpEvent({ method: 'GET', route: '/products', query });

const decode = (cursor: string): unknown => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
const encode = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

interface Page {
  items: Record<string, unknown>[];
  nextCursor: string | null;
}

beforeEach(() => dynamo.reset());

describe('GET /products', () => {
  it('scans the catalog table without tombstones when no category is given, 20 items a page', async () => {
    // given
    dynamo.on(ScanCommand).resolves({ Items: [item('TEA-1'), item('TEA-2')] });

    // when
    const response = await invoke(handler, listProducts());

    // then
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({
      items: [
        {
          sku: 'TEA-1',
          name: 'Product TEA-1',
          description: 'Loose leaf',
          category: 'tea',
          priceCents: 1000,
          currency: 'EUR',
          stock: 10,
          version: 1,
          updatedAt: '2026-11-28T10:00:00.000Z',
        },
        expect.objectContaining({ sku: 'TEA-2' }),
      ],
      nextCursor: null,
    });
    expect(dynamo).toHaveReceivedCommandTimes(ScanCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(ScanCommand, {
      TableName: 'shelf-test-catalog',
      FilterExpression: 'attribute_not_exists(deletedAt)',
      Limit: 20,
    });
    expect(dynamo).not.toHaveReceivedCommand(QueryCommand);
  });

  it('never returns the internal searchText attribute', async () => {
    dynamo.on(ScanCommand).resolves({ Items: [item('TEA-1'), item('TEA-2')] });

    const response = await invoke(handler, listProducts());

    const { items } = response.body as Page;
    expect(items).toHaveLength(2);
    for (const product of items) expect(product).not.toHaveProperty('searchText');
  });

  it('queries the byCategory index for a category, still excluding tombstones', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [item('TEA-1')] });

    const response = await invoke(handler, listProducts({ category: 'Tea' }));

    expect(response.statusCode).toBe(200);
    expect((response.body as Page).items.map((p) => p.sku)).toEqual(['TEA-1']);
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'shelf-test-catalog',
      IndexName: 'byCategory',
      KeyConditionExpression: 'category = :category',
      FilterExpression: 'attribute_not_exists(deletedAt)',
      ExpressionAttributeValues: { ':category': 'tea' },
    });
    expect(dynamo).not.toHaveReceivedCommand(ScanCommand);
  });

  it('searches the lower-cased text with contains(searchText, :text)', async () => {
    dynamo.on(ScanCommand).resolves({ Items: [] });

    const response = await invoke(handler, listProducts({ q: '  Green TEA ' }));

    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ items: [], nextCursor: null });
    expect(dynamo).toHaveReceivedCommandWith(ScanCommand, {
      FilterExpression: 'attribute_not_exists(deletedAt) AND contains(searchText, :text)',
      ExpressionAttributeValues: { ':text': 'green tea' },
    });
  });

  it('combines a category and a text search in one query', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });

    await invoke(handler, listProducts({ category: 'tea', q: 'Sencha' }));

    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byCategory',
      FilterExpression: 'attribute_not_exists(deletedAt) AND contains(searchText, :text)',
      ExpressionAttributeValues: { ':category': 'tea', ':text': 'sencha' },
    });
  });

  it('accepts a limit of 100, the maximum', async () => {
    dynamo.on(ScanCommand).resolves({ Items: [] });

    const response = await invoke(handler, listProducts({ limit: '100' }));

    expect(response.statusCode).toBe(200);
    expect(dynamo).toHaveReceivedCommandWith(ScanCommand, { Limit: 100 });
  });

  it.each(['101', '0', 'abc', '2.5'])(
    'refuses limit=%s with 400 naming limit, without reading DynamoDB',
    async (limit) => {
      const response = await invoke(handler, listProducts({ limit }));

      expect(response.statusCode).toBe(400);
      expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field: 'limit' }] } });
      expect(dynamo).not.toHaveReceivedAnyCommand();
    },
  );

  it('refuses an unknown query parameter with 400 (strict)', async () => {
    const response = await invoke(handler, listProducts({ sort: 'price' }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(JSON.stringify(response.body)).toContain('sort');
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it('keeps reading pages until the page is full, and the cursor is the key of the last item returned', async () => {
    // given: the filter leaves fewer items than asked for in each DynamoDB page
    dynamo
      .on(ScanCommand)
      .resolvesOnce({ Items: [item('A-1'), item('A-2')], LastEvaluatedKey: { sku: 'A-2' } })
      .resolvesOnce({ Items: [item('A-3'), item('A-4')], LastEvaluatedKey: { sku: 'A-4' } });

    // when
    const response = await invoke(handler, listProducts({ limit: '3' }));

    // then
    expect(response.statusCode).toBe(200);
    const page = response.body as Page;
    expect(page.items.map((p) => p.sku)).toEqual(['A-1', 'A-2', 'A-3']);
    expect(page.nextCursor).not.toBeNull();
    expect(decode(page.nextCursor!)).toEqual({ sku: 'A-3' });
    expect(dynamo).toHaveReceivedCommandTimes(ScanCommand, 2);
    expect(dynamo).toHaveReceivedNthSpecificCommandWith(1, ScanCommand, { Limit: 3, ExclusiveStartKey: undefined });
    expect(dynamo).toHaveReceivedNthSpecificCommandWith(2, ScanCommand, {
      Limit: 3,
      ExclusiveStartKey: { sku: 'A-2' },
    });
  });

  it('stops at the end of the table and returns no cursor', async () => {
    dynamo
      .on(ScanCommand)
      .resolvesOnce({ Items: [item('A-1')], LastEvaluatedKey: { sku: 'A-1' } })
      .resolvesOnce({ Items: [item('A-2')] });

    const response = await invoke(handler, listProducts({ limit: '5' }));

    expect(response.body).toEqual({
      items: [expect.objectContaining({ sku: 'A-1' }), expect.objectContaining({ sku: 'A-2' })],
      nextCursor: null,
    });
    expect(dynamo).toHaveReceivedCommandTimes(ScanCommand, 2);
  });

  it('returns a cursor when the page is full and DynamoDB has more to read', async () => {
    dynamo.on(ScanCommand).resolves({ Items: [item('A-1'), item('A-2')], LastEvaluatedKey: { sku: 'A-2' } });

    const response = await invoke(handler, listProducts({ limit: '2' }));

    const page = response.body as Page;
    expect(decode(page.nextCursor!)).toEqual({ sku: 'A-2' });
    expect(dynamo).toHaveReceivedCommandTimes(ScanCommand, 1);
  });

  it('starts the next page where the cursor from the previous response points', async () => {
    // given: a first page that ends with a cursor
    dynamo.on(ScanCommand).resolvesOnce({ Items: [item('A-1'), item('A-2')], LastEvaluatedKey: { sku: 'A-2' } });
    const first = (await invoke(handler, listProducts({ limit: '2' }))).body as Page;
    dynamo.reset();
    dynamo.on(ScanCommand).resolves({ Items: [item('A-3')] });

    // when
    const response = await invoke(handler, listProducts({ limit: '2', cursor: first.nextCursor! }));

    // then
    expect(response.statusCode).toBe(200);
    expect((response.body as Page).items.map((p) => p.sku)).toEqual(['A-3']);
    expect(dynamo).toHaveReceivedCommandWith(ScanCommand, { ExclusiveStartKey: { sku: 'A-2' }, Limit: 2 });
  });

  it('uses the category and the SKU as the cursor of a category query', async () => {
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [item('T-1'), item('T-2')], LastEvaluatedKey: { sku: 'T-2', category: 'tea' } });
    const first = (await invoke(handler, listProducts({ category: 'tea', limit: '2' }))).body as Page;
    expect(decode(first.nextCursor!)).toEqual({ sku: 'T-2', category: 'tea' });
    dynamo.reset();
    dynamo.on(QueryCommand).resolves({ Items: [] });

    const response = await invoke(handler, listProducts({ category: 'tea', limit: '2', cursor: first.nextCursor! }));

    expect(response.statusCode).toBe(200);
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { ExclusiveStartKey: { sku: 'T-2', category: 'tea' } });
  });

  it.each([
    ['garbage', 'not-a-cursor!!'],
    ['JSON that is not a key', encode(['sku'])],
    ['a key with a number', encode({ sku: 7 })],
    ['the key of another query', encode({ sku: 'T-2', category: 'tea' })],
  ])('refuses a cursor that is %s with 400 naming cursor, without reading DynamoDB', async (_, cursor) => {
    const response = await invoke(handler, listProducts({ cursor }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({
      error: { code: 'VALIDATION_FAILED', message: 'Invalid cursor', details: [{ field: 'cursor' }] },
    });
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it('answers 500 without internals when DynamoDB fails', async () => {
    dynamo.on(ScanCommand).rejects(new Error('ProvisionedThroughputExceeded on arn:aws:dynamodb:secret'));

    const response = await invoke(handler, listProducts());

    expect(response.statusCode).toBe(500);
    expect(JSON.stringify(response.body)).not.toContain('arn:aws');
    expect(response.body).toMatchObject({ error: { code: 'INTERNAL' } });
  });
});
