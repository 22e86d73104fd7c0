import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/catalog/put-product';
import { PostgresCatalogOutbox } from '../../../shared/adapters/postgres/catalog-outbox';
import { PostgresProductRepository } from '../../../shared/adapters/postgres/product-repository';
import { aProduct, senchaInput } from '../../fixtures/catalog';
import { httpEvent, invoke, type HttpEventOptions } from '../../helpers/http-events';
import { drainingTheOutbox } from './outbox-mock';

// No database in unit tests: the PostgreSQL repository and outbox are automatic mocks whose
// answers each test sets.
jest.mock('../../../shared/adapters/postgres/product-repository');
jest.mock('../../../shared/adapters/postgres/catalog-outbox');

const upsert = jest.spyOn(PostgresProductRepository.prototype, 'upsert');
const drain = jest.spyOn(PostgresCatalogOutbox.prototype, 'drain');
const dynamo = mockClient(DynamoDBDocumentClient);

const validBody = senchaInput;

const saved = aProduct('TEA-SENCHA', 4);

function putProduct(options: Partial<HttpEventOptions> = {}) {
  return httpEvent({
    method: 'PUT',
    route: '/products/{sku}',
    pathParameters: { sku: 'TEA-SENCHA' },
    body: validBody,
    caller: { sub: 'admin-1', role: 'admin' },
    ...options,
  });
}

/** The distinct fields an error body's details name. */
const fieldsNamedIn = (body: unknown) => [
  ...new Set((body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field)),
];

beforeEach(() => {
  dynamo.reset();
  upsert.mockReset();
  upsert.mockResolvedValue(saved);
  drainingTheOutbox(drain, [saved]);
});

describe('PUT /products/{sku}', () => {
  it('saves the product for an admin, recorded as changed by that admin, and answers 200 with it', async () => {
    // when
    const response = await invoke(handler, putProduct());

    // then
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual(saved);
    expect(upsert).toHaveBeenCalledTimes(1);
    expect(upsert).toHaveBeenCalledWith('TEA-SENCHA', validBody, 'admin:admin-1');
  });

  it('projects the saved product from the outbox into the catalog table', async () => {
    await invoke(handler, putProduct());

    expect(drain).toHaveBeenCalledWith(expect.any(Function), { skus: ['TEA-SENCHA'], limit: 1 });
    expect(dynamo).toHaveReceivedCommandTimes(BatchWriteCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(BatchWriteCommand, {
      RequestItems: {
        'shelf-test-catalog': [{ PutRequest: { Item: { ...saved, searchText: 'sencha green tea tea' } } }],
      },
    });
  });

  it('normalises the input before saving: SKU upper-cased, text trimmed, category lower-cased, description defaulted', async () => {
    const { description: _omitted, ...withoutDescription } = validBody;

    await invoke(
      handler,
      putProduct({
        pathParameters: { sku: 'tea-sencha' },
        body: { ...withoutDescription, name: '  Sencha  ', category: 'TEA' },
      }),
    );

    expect(upsert).toHaveBeenCalledWith('TEA-SENCHA', { ...validBody, description: '' }, 'admin:admin-1');
  });

  it('writes again what DynamoDB left unprocessed (throttling), then answers 200', async () => {
    const put = { PutRequest: { Item: { ...saved, searchText: 'sencha green tea tea' } } };
    dynamo
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { 'shelf-test-catalog': [put] } })
      .resolves({});

    const response = await invoke(handler, putProduct());

    expect(response.statusCode).toBe(200);
    expect(dynamo).toHaveReceivedCommandTimes(BatchWriteCommand, 2);
    expect(dynamo.commandCalls(BatchWriteCommand)[1]!.args[0].input.RequestItems).toEqual({
      'shelf-test-catalog': [put],
    });
  });

  it('answers 200 when DynamoDB fails after the commit: the product is saved and stays queued for projectCatalog', async () => {
    dynamo.on(BatchWriteCommand).rejects(new Error('socket hang up 10.1.2.3'));

    const response = await invoke(handler, putProduct());

    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual(saved);
    // The outbox's drain failed, so it did not dequeue (its transaction rolls back).
    await expect(drain.mock.results[0]!.value).rejects.toThrow('socket hang up');
  });

  it('answers 500 without internals when the database fails', async () => {
    upsert.mockRejectedValue(new Error('connect ECONNREFUSED 10.1.2.3:5432'));

    const response = await invoke(handler, putProduct());

    expect(response.statusCode).toBe(500);
    expect(JSON.stringify(response.body)).not.toContain('10.1.2.3');
    expect(response.body).toMatchObject({ error: { code: 'INTERNAL' } });
  });

  it('refuses a shopper with 403 FORBIDDEN, touching neither the database nor DynamoDB', async () => {
    const response = await invoke(handler, putProduct({ caller: { sub: 'shopper-1', role: 'shopper' } }));

    expect(response.statusCode).toBe(403);
    expect(response.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(upsert).not.toHaveBeenCalled();
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it('refuses a request without claims with 401', async () => {
    const response = await invoke(handler, putProduct({ caller: undefined }));

    expect(response.statusCode).toBe(401);
    expect(response.body).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect(upsert).not.toHaveBeenCalled();
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['a negative price', { ...validBody, priceCents: -1 }, 'body.priceCents'],
    ['a price as a string', { ...validBody, priceCents: '1200' }, 'body.priceCents'],
    ['a fractional price', { ...validBody, priceCents: 12.5 }, 'body.priceCents'],
    ['an unknown currency', { ...validBody, currency: 'XXX' }, 'body.currency'],
    ['a lower-case currency', { ...validBody, currency: 'eur' }, 'body.currency'],
    ['a negative stock', { ...validBody, stock: -5 }, 'body.stock'],
    ['a blank name', { ...validBody, name: '   ' }, 'body.name'],
    ['a category with spaces', { ...validBody, category: 'green tea' }, 'body.category'],
    ['a NUL in the name (PostgreSQL text cannot hold it)', { ...validBody, name: 'Sen\u0000cha' }, 'body.name'],
    ['half a surrogate pair in the description', { ...validBody, description: 'Green \ud800tea' }, 'body.description'],
    ['a right-to-left override in the name', { ...validBody, name: 'Sencha\u202E' }, 'body.name'],
    ['an escape character in the description', { ...validBody, description: '\u001b[2J' }, 'body.description'],
  ])('refuses %s with 400 VALIDATION_FAILED naming the field', async (_, body, field) => {
    const response = await invoke(handler, putProduct({ body }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(fieldsNamedIn(response.body)).toEqual([field]);
    expect(upsert).not.toHaveBeenCalled();
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it('refuses a missing name with 400 naming body.name', async () => {
    const { name: _missing, ...body } = validBody;

    const response = await invoke(handler, putProduct({ body }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.name' }] } });
    expect(upsert).not.toHaveBeenCalled();
  });

  it('refuses an unknown extra field with 400 naming it', async () => {
    const response = await invoke(handler, putProduct({ body: { ...validBody, discount: 10 } }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: [{ field: 'body', message: expect.stringContaining('discount') }] },
    });
    expect(upsert).not.toHaveBeenCalled();
  });

  it('refuses a SKU with forbidden characters with 400 naming sku', async () => {
    const response = await invoke(handler, putProduct({ pathParameters: { sku: 'no spaces!' } }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field: 'sku' }] } });
    expect(upsert).not.toHaveBeenCalled();
  });

  it('refuses malformed JSON with 400 MALFORMED_JSON', async () => {
    const response = await invoke(handler, putProduct({ rawBody: '{"name": "Sencha",' }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toEqual({
      error: { code: 'MALFORMED_JSON', message: 'The body is not valid JSON', details: null },
    });
    expect(upsert).not.toHaveBeenCalled();
  });

  it('refuses a request without a body with 400 BODY_REQUIRED', async () => {
    const response = await invoke(handler, putProduct({ body: undefined }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'BODY_REQUIRED' } });
    expect(upsert).not.toHaveBeenCalled();
  });

  it('refuses a body larger than 64 KiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await invoke(handler, putProduct({ body: { ...validBody, description: 'x'.repeat(64 * 1024) } }));

    expect(response.statusCode).toBe(413);
    expect(response.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(upsert).not.toHaveBeenCalled();
  });

  it('refuses a body sent as text/plain with 415', async () => {
    const response = await invoke(handler, putProduct({ headers: { 'content-type': 'text/plain' } }));

    expect(response.statusCode).toBe(415);
    expect(response.body).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    expect(upsert).not.toHaveBeenCalled();
  });

  it('accepts a JSON media type with a charset', async () => {
    const response = await invoke(
      handler,
      putProduct({ headers: { 'content-type': 'application/json; charset=utf-8' } }),
    );

    expect(response.statusCode).toBe(200);
    expect(upsert).toHaveBeenCalledTimes(1);
  });
});
