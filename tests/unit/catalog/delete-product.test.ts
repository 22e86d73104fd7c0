import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/catalog/delete-product';
import { PostgresCatalogOutbox } from '../../../shared/adapters/postgres/catalog-outbox';
import { PostgresProductRepository } from '../../../shared/adapters/postgres/product-repository';
import { httpEvent, invoke, type HttpEventOptions } from '../../helpers/http-events';
import { drainingTheOutbox } from './outbox-mock';

// No database in unit tests: the PostgreSQL repository and outbox are automatic mocks whose
// answers each test sets.
jest.mock('../../../shared/adapters/postgres/product-repository');
jest.mock('../../../shared/adapters/postgres/catalog-outbox');

const remove = jest.spyOn(PostgresProductRepository.prototype, 'remove');
const drain = jest.spyOn(PostgresCatalogOutbox.prototype, 'drain');
const dynamo = mockClient(DynamoDBDocumentClient);

function deleteProduct(options: Partial<HttpEventOptions> = {}) {
  return httpEvent({
    method: 'DELETE',
    route: '/products/{sku}',
    pathParameters: { sku: 'TEA-SENCHA' },
    caller: { sub: 'admin-1', role: 'admin' },
    ...options,
  });
}

beforeEach(() => {
  dynamo.reset();
  remove.mockReset();
  drainingTheOutbox(drain, [
    { sku: 'TEA-SENCHA', version: 7, deleted: true, deletedAt: '2026-11-29T08:00:00.000Z', changedBy: 'admin:admin-1' },
  ]);
});

describe('DELETE /products/{sku}', () => {
  it('marks the product deleted for an admin, recorded as removed by that admin, and answers 204 with no body', async () => {
    // given
    remove.mockResolvedValue({ version: 7 });

    // when
    const response = await invoke(handler, deleteProduct());

    // then
    expect(response.statusCode).toBe(204);
    expect(response.body).toBeUndefined();
    expect(remove).toHaveBeenCalledTimes(1);
    expect(remove).toHaveBeenCalledWith('TEA-SENCHA', 'admin:admin-1');
  });

  it('leaves a tombstone in the catalog table, from the outbox: when, by whom, expiring a day later', async () => {
    remove.mockResolvedValue({ version: 7 });

    await invoke(handler, deleteProduct({ pathParameters: { sku: 'tea-sencha' } }));

    expect(drain).toHaveBeenCalledWith(expect.any(Function), { skus: ['TEA-SENCHA'], limit: 1 });
    expect(dynamo).toHaveReceivedCommandTimes(BatchWriteCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(BatchWriteCommand, {
      RequestItems: {
        'shelf-test-catalog': [
          {
            PutRequest: {
              Item: {
                sku: 'TEA-SENCHA',
                version: 7,
                deletedAt: '2026-11-29T08:00:00.000Z',
                changedBy: 'admin:admin-1',
                expiresAt: Date.parse('2026-11-30T08:00:00.000Z') / 1000,
              },
            },
          },
        ],
      },
    });
  });

  it('still answers 204 when DynamoDB fails after the commit (the SKU stays queued)', async () => {
    remove.mockResolvedValue({ version: 7 });
    dynamo.on(BatchWriteCommand).rejects(new Error('ThrottlingException'));

    const response = await invoke(handler, deleteProduct());

    expect(response.statusCode).toBe(204);
  });

  it('answers 404 for a SKU the repository does not know, writing no tombstone', async () => {
    remove.mockResolvedValue(undefined);

    const response = await invoke(handler, deleteProduct({ pathParameters: { sku: 'NOPE-1' } }));

    expect(response.statusCode).toBe(404);
    expect(response.body).toEqual({
      error: { code: 'NOT_FOUND', message: 'Product NOPE-1 does not exist', details: null },
    });
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it('refuses a shopper with 403, touching neither the database nor DynamoDB', async () => {
    const response = await invoke(handler, deleteProduct({ caller: { sub: 'shopper-1', role: 'shopper' } }));

    expect(response.statusCode).toBe(403);
    expect(response.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(remove).not.toHaveBeenCalled();
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it('refuses a request without claims with 401', async () => {
    const response = await invoke(handler, deleteProduct({ caller: undefined }));

    expect(response.statusCode).toBe(401);
    expect(remove).not.toHaveBeenCalled();
  });
});
