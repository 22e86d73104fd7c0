// GET /reports/trending through httpRoute, with the aggregates' Query and the catalog's
// BatchGetItem mocked at the SDK.
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  type BatchGetCommandInput,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as getTrending } from '../../../services/clickstream/get-trending';
import { httpEvent, invoke } from '../../helpers/http-events';

const dynamo = mockClient(DynamoDBDocumentClient);
const now = new Date('2026-12-02T19:45:30Z');

interface Count {
  minute: string;
  sku: string;
  views: number;
  addToCarts?: number;
}

/** Serves the aggregates table's Query from `counts`, as DynamoDB would (key condition applied). */
function aggregates(counts: Count[], pageSize = 1000) {
  dynamo.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const values = input.ExpressionAttributeValues as Record<string, string>;
    const matching = counts
      .map((c) => ({ pk: `minutes#${c.minute.slice(0, 13)}`, sk: `${c.minute}#${c.sku}`, addToCarts: 0, ...c }))
      .filter((c) => c.pk === values[':pk'] && c.sk >= values[':from']! && c.sk <= values[':to']!)
      .sort((a, b) => (a.sk < b.sk ? -1 : 1));
    const start = input.ExclusiveStartKey ? matching.findIndex((c) => c.sk === input.ExclusiveStartKey!.sk) + 1 : 0;
    const page = matching.slice(start, start + pageSize);
    const last = page.at(-1);
    return Promise.resolve({
      Items: page.map(({ sku, minute, views, addToCarts }) => ({ sku, minute, views, addToCarts })),
      LastEvaluatedKey: start + pageSize < matching.length && last ? { pk: last.pk, sk: last.sk } : undefined,
    });
  });
}

function catalog(products: Record<string, string | { deletedAt: string }>) {
  dynamo.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    const [table, request] = Object.entries(input.RequestItems!)[0]!;
    const items = request
      .Keys!.map((key) => key.sku as string)
      .filter((sku) => sku in products)
      .map((sku) => {
        const product = products[sku]!;
        return typeof product === 'string' ? { sku, name: product } : { sku, name: 'Gone', ...product };
      });
    return Promise.resolve({ Responses: { [table]: items } });
  });
}

const trending = (query?: Record<string, string>) =>
  invoke(getTrending, httpEvent({ method: 'GET', route: '/reports/trending', query }));
const queries = () => dynamo.commandCalls(QueryCommand).map(({ args: [command] }) => command.input);

beforeEach(() => {
  dynamo.reset();
  jest.useFakeTimers({ now, advanceTimers: true });
});
afterEach(() => jest.useRealTimers());

describe('GET /reports/trending', () => {
  it('sums the last 60 minutes per product, most viewed first, named from the catalog, cacheable for 30 s', async () => {
    aggregates([
      { minute: '2026-12-02T19:45', sku: 'MUG-001', views: 2 },
      { minute: '2026-12-02T19:10', sku: 'MUG-001', views: 3, addToCarts: 1 },
      { minute: '2026-12-02T18:50', sku: 'TEA-2', views: 4 },
      { minute: '2026-12-02T18:45', sku: 'TEA-2', views: 1 },
      // Older than 60 minutes: left out.
      { minute: '2026-12-02T18:44', sku: 'TEA-2', views: 100 },
      { minute: '2026-12-02T18:44', sku: 'OLD-1', views: 100 },
    ]);
    catalog({ 'MUG-001': 'Blue mug', 'TEA-2': 'Green tea', 'OLD-1': 'Old' });

    const response = await trending();

    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=30');
    expect(response.body).toEqual({
      items: [
        { sku: 'MUG-001', name: 'Blue mug', views: 5, addToCarts: 1 },
        { sku: 'TEA-2', name: 'Green tea', views: 5, addToCarts: 0 },
      ],
    });
    expect(queries().map((q) => q.ExpressionAttributeValues)).toEqual([
      { ':pk': 'minutes#2026-12-02T18', ':from': '2026-12-02T18:45', ':to': '2026-12-02T19:45#~' },
      { ':pk': 'minutes#2026-12-02T19', ':from': '2026-12-02T18:45', ':to': '2026-12-02T19:45#~' },
    ]);
  });

  it('orders equal views by add-to-carts, then by SKU', async () => {
    aggregates([
      { minute: '2026-12-02T19:40', sku: 'B', views: 1 },
      { minute: '2026-12-02T19:40', sku: 'A', views: 1 },
      { minute: '2026-12-02T19:40', sku: 'C', views: 1, addToCarts: 2 },
      { minute: '2026-12-02T19:40', sku: 'D', views: 2 },
    ]);
    catalog({ A: 'a', B: 'b', C: 'c', D: 'd' });

    const response = await trending();

    expect((response.body as { items: { sku: string }[] }).items.map((i) => i.sku)).toEqual(['D', 'C', 'A', 'B']);
  });

  it('leaves out products no longer in the catalog, and still fills the list from the next ones', async () => {
    aggregates(
      Array.from({ length: 12 }, (_, i) => ({ minute: '2026-12-02T19:30', sku: `SKU-${i}`, views: 100 - i })),
      5,
    );
    // SKU-0 was deleted (a tombstone of an earlier release), SKU-1 is gone from the catalog.
    dynamo.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
      const keys = Object.values(input.RequestItems!)[0]!.Keys!.map((k) => k.sku as string);
      const items = keys
        .filter((sku) => sku !== 'SKU-1')
        .map((sku) =>
          sku === 'SKU-0' ? { sku, name: 'Gone', deletedAt: '2026-12-01T00:00:00Z' } : { sku, name: sku },
        );
      return Promise.resolve({ Responses: { 'shelf-test-catalog': items } });
    });

    const response = await trending({ limit: '10' });

    const skus = (response.body as { items: { sku: string }[] }).items.map((i) => i.sku);
    expect(skus).toEqual(['SKU-2', 'SKU-3', 'SKU-4', 'SKU-5', 'SKU-6', 'SKU-7', 'SKU-8', 'SKU-9', 'SKU-10', 'SKU-11']);
  });

  it('answers an empty list when nothing was clicked', async () => {
    aggregates([]);
    catalog({});

    const response = await trending({ minutes: '5' });

    expect(response.body).toEqual({ items: [] });
    expect(dynamo.commandCalls(BatchGetCommand)).toEqual([]);
  });

  it('reads 24 hours with one query per hour touched (25)', async () => {
    aggregates([{ minute: '2026-12-01T19:46', sku: 'MUG-001', views: 1 }]);
    catalog({ 'MUG-001': 'Blue mug' });

    const response = await trending({ minutes: '1440' });

    expect(queries()).toHaveLength(25);
    expect(response.body).toEqual({ items: [{ sku: 'MUG-001', name: 'Blue mug', views: 1, addToCarts: 0 }] });
  });

  it.each([
    ['minutes', '0'],
    ['minutes', '1441'],
    ['minutes', 'an hour'],
    ['limit', '0'],
    ['limit', '51'],
  ])('refuses %s=%s with 400 naming it', async (field, value) => {
    const response = await trending({ [field]: value });

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field }] } });
    expect(queries()).toEqual([]);
  });
});
