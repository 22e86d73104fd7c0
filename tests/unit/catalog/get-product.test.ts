import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/catalog/get-product';
import { aProduct } from '../../fixtures/catalog';
import { httpEvent, invoke } from '../../helpers/http-events';

const dynamo = mockClient(DynamoDBDocumentClient);

const stored = aProduct('TEA-SENCHA', 3);
const sencha = { ...stored, searchText: 'sencha green tea tea' };

const getProduct = (sku: string) => httpEvent({ method: 'GET', route: '/products/{sku}', pathParameters: { sku } });

beforeEach(() => dynamo.reset());

describe('GET /products/{sku}', () => {
  it('returns the product with its stock, reading the catalog table by SKU', async () => {
    dynamo.on(GetCommand).resolves({ Item: sencha });

    const response = await invoke(handler, getProduct('TEA-SENCHA'));

    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual(stored);
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'shelf-test-catalog',
      Key: { sku: 'TEA-SENCHA' },
    });
  });

  it('never shows who changed the product (an admin id), which the read model keeps for the history', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...sencha, changedBy: 'admin:3f1c0d2e-admin-sub' } });

    const response = await invoke(handler, getProduct('TEA-SENCHA'));

    expect(response.body).toEqual(stored);
    expect(JSON.stringify(response.body)).not.toContain('admin');
  });

  it('normalises the SKU in the path to upper case', async () => {
    dynamo.on(GetCommand).resolves({ Item: sencha });

    await invoke(handler, getProduct(' tea-sencha '));

    expect(dynamo).toHaveReceivedCommandWith(GetCommand, { Key: { sku: 'TEA-SENCHA' } });
  });

  it('answers 404 for a SKU that is not in the catalog', async () => {
    dynamo.on(GetCommand).resolves({});

    const response = await invoke(handler, getProduct('NOPE-1'));

    expect(response.statusCode).toBe(404);
    expect(response.body).toEqual({
      error: { code: 'NOT_FOUND', message: 'Product NOPE-1 does not exist', details: null },
    });
  });

  it('answers 404 for a deleted product (a tombstone in the read model)', async () => {
    dynamo.on(GetCommand).resolves({ Item: { sku: 'OLD-1', version: 4, deletedAt: '2026-11-28T10:00:00.000Z' } });

    const response = await invoke(handler, getProduct('OLD-1'));

    expect(response.statusCode).toBe(404);
  });

  it('answers 400 naming the field for a SKU with forbidden characters', async () => {
    const response = await invoke(handler, getProduct('bad sku!'));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field: 'sku' }] } });
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it('answers 500 without internals when DynamoDB fails', async () => {
    dynamo.on(GetCommand).rejects(new Error('connection reset by 10.0.0.1'));

    const response = await invoke(handler, getProduct('TEA-SENCHA'));

    expect(response.statusCode).toBe(500);
    expect(JSON.stringify(response.body)).not.toContain('10.0.0.1');
    expect(response.body).toMatchObject({ error: { code: 'INTERNAL', details: { requestId: 'LV7fzho-PHcEJPw=' } } });
  });
});
