import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/orders/place-order';
import { PostgresCatalogOutbox } from '../../../shared/adapters/postgres/catalog-outbox';
import { PostgresDomainEventOutbox } from '../../../shared/adapters/postgres/domain-event-outbox';
import { PostgresOrderStore } from '../../../shared/adapters/postgres/order-store';
import { InvalidInputError, OutOfStockError } from '../../../shared/errors';
import { orderPlaced } from '../../../shared/events/order-placed';
import { httpEvent, invoke, type HttpEventOptions } from '../../helpers/http-events';
import { drainingTheOutbox } from '../catalog/outbox-mock';
import { adminSub, anOrder, orderLines, otherShopperSub, productsAfterOrder, shopperSub } from './order-fixtures';

// No database in unit tests: the PostgreSQL order store and catalog outbox are automatic mocks
// whose answers each test sets.
jest.mock('../../../shared/adapters/postgres/order-store');
jest.mock('../../../shared/adapters/postgres/catalog-outbox');
jest.mock('../../../shared/adapters/postgres/domain-event-outbox');

const place = jest.spyOn(PostgresOrderStore.prototype, 'place');
const drain = jest.spyOn(PostgresCatalogOutbox.prototype, 'drain');
const drainEvents = jest.spyOn(PostgresDomainEventOutbox.prototype, 'drain');
const eventBridge = mockClient(EventBridgeClient);
/** The catalog read model (stock projection) goes through the document client... */
const catalog = mockClient(DynamoDBDocumentClient);
/** ...and Powertools idempotency records through the low-level client. */
const idempotency = mockClient(DynamoDBClient);

function placeOrder(options: Partial<HttpEventOptions> = {}) {
  return httpEvent({
    method: 'POST',
    route: '/orders',
    body: { lines: orderLines },
    caller: { sub: shopperSub, role: 'shopper' },
    ...options,
  });
}

// How @aws-lambda-powertools/idempotency 2.35 (DynamoDBPersistenceLayer + BasePersistenceLayer)
// keys and stores its records, written out independently so the tests check the real format:
// id = `${AWS_LAMBDA_FUNCTION_NAME}#${md5 base64 of the sorted JSON of [scope, key]}`, a
// `validation` hash of the payload, `status`, `expiration` (epoch seconds) and `data` (the result,
// stored as a DynamoDB map).
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1))
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
const md5 = (value: unknown) =>
  createHash('md5')
    .update(JSON.stringify(sortKeys(value)))
    .digest('base64');
const recordId = (sub: string, key: string) => `${process.env.AWS_LAMBDA_FUNCTION_NAME ?? ''}#${md5([sub, key])}`;
const payloadHash = (sub: string, lines: unknown) => md5({ customer: { id: sub }, lines });

function toAttribute(value: unknown): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value === null || value === undefined) return { NULL: true };
  if (Array.isArray(value)) return { L: value.map(toAttribute) };
  return { M: toItem(value as Record<string, unknown>) };
}
function toItem(record: Record<string, unknown>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, toAttribute(v)]));
}

/** The record DynamoDB holds for a key whose first request completed. */
function completedRecord(sub: string, key: string, response: unknown, lines: unknown = orderLines) {
  return toItem({
    id: recordId(sub, key),
    status: 'COMPLETED',
    expiration: Math.floor(Date.now() / 1000) + 3600,
    validation: payloadHash(sub, lines),
    data: response,
  });
}

const placedEvent = orderPlaced({
  orderId: anOrder().orderId,
  customer: { id: shopperSub, email: 'sam@example.com' },
  lines: anOrder().lines,
  totalCents: anOrder().totalCents,
  currency: anOrder().currency,
  placedAt: anOrder().createdAt,
});

const conditionFailed = (item?: Record<string, AttributeValue>) =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: item });

beforeEach(() => {
  catalog.reset();
  idempotency.reset();
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });
  place.mockReset();
  place.mockResolvedValue({ order: anOrder(), eventIds: [placedEvent.detail.eventId] });
  drainingTheOutbox(drain, productsAfterOrder);
  // The order's transaction queued its OrderPlaced; the drain hands it to the publisher.
  drainEvents.mockReset();
  drainEvents.mockImplementation(async (publish) => {
    await publish([placedEvent]);
    return 1;
  });
});

describe('POST /orders', () => {
  it('places the order for the shopper and answers 201 with the order', async () => {
    // when
    const response = await invoke(handler, placeOrder());

    // then
    expect(response.statusCode).toBe(201);
    expect(response.body).toEqual(anOrder());
    expect(response.body).toMatchObject({
      orderId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      status: 'PLACED',
      totalCents: 3400,
      currency: 'EUR',
      lines: [
        { sku: 'TEA-SENCHA', quantity: 2, unitPriceCents: 1200, lineTotalCents: 2400 },
        { sku: 'MUG-1', quantity: 1, unitPriceCents: 1000, lineTotalCents: 1000 },
      ],
    });
    expect(place).toHaveBeenCalledTimes(1);
    expect(place).toHaveBeenCalledWith({ id: shopperSub }, orderLines);
  });

  it("places the order with the token's verified e-mail, where its confirmation goes", async () => {
    await invoke(handler, placeOrder({ caller: { sub: shopperSub, role: 'shopper', email: 'sam@example.com' } }));

    expect(place).toHaveBeenCalledWith({ id: shopperSub, email: 'sam@example.com' }, orderLines);
  });

  it('publishes the events the order queued to the domain event bus after the commit', async () => {
    await invoke(handler, placeOrder());

    expect(drainEvents).toHaveBeenCalledWith(expect.any(Function), {
      eventIds: [placedEvent.detail.eventId],
      limit: 1,
    });
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          EventBusName: 'shelf-test-domain-events',
          Source: 'shelf.orders',
          DetailType: 'OrderPlaced',
          Detail: JSON.stringify(placedEvent.detail),
        }),
      ],
    });
  });

  it('answers 201 even when EventBridge fails: the event stays in the outbox for publishDomainEvents', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('connect ETIMEDOUT events.us-east-1.amazonaws.com'));

    const response = await invoke(handler, placeOrder());

    expect(response.statusCode).toBe(201);
    expect(response.body).toEqual(anOrder());
  });

  it('projects the ordered products, stock taken, from the outbox into the catalog', async () => {
    await invoke(handler, placeOrder());

    expect(drain).toHaveBeenCalledWith(expect.any(Function), { skus: ['TEA-SENCHA', 'MUG-1'], limit: 2 });
    expect(catalog).toHaveReceivedCommandTimes(BatchWriteCommand, 1);
    const written = catalog.commandCalls(BatchWriteCommand)[0]!.args[0].input.RequestItems!['shelf-test-catalog']!;
    expect(
      written.map((w) => [w.PutRequest!.Item!.sku, w.PutRequest!.Item!.stock, w.PutRequest!.Item!.version]),
    ).toEqual([
      ['TEA-SENCHA', 23, 5],
      ['MUG-1', 9, 2],
    ]);
  });

  it('normalises the SKUs of the lines before placing the order', async () => {
    await invoke(handler, placeOrder({ body: { lines: [{ sku: ' tea-sencha ', quantity: 2 }] } }));

    expect(place).toHaveBeenCalledWith({ id: shopperSub }, [{ sku: 'TEA-SENCHA', quantity: 2 }]);
  });

  it('does not touch the idempotency table when no Idempotency-Key is sent', async () => {
    const response = await invoke(handler, placeOrder());

    expect(response.statusCode).toBe(201);
    expect(idempotency).not.toHaveReceivedAnyCommand();
  });

  it('still answers 201 when projecting the stock fails after the order was stored', async () => {
    // given
    catalog.on(BatchWriteCommand).rejects(new Error('DynamoDB is having a bad day'));

    // when
    const response = await invoke(handler, placeOrder());

    // then
    expect(response.statusCode).toBe(201);
    expect(response.body).toEqual(anOrder());
    expect(catalog).toHaveReceivedCommand(BatchWriteCommand);
  });

  it('refuses an admin with 403, placing nothing', async () => {
    const response = await invoke(handler, placeOrder({ caller: { sub: adminSub, role: 'admin' } }));

    expect(response.statusCode).toBe(403);
    expect(response.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(place).not.toHaveBeenCalled();
    expect(catalog).not.toHaveReceivedAnyCommand();
  });

  it('refuses a request without claims with 401', async () => {
    const response = await invoke(handler, placeOrder({ caller: undefined }));

    expect(response.statusCode).toBe(401);
    expect(place).not.toHaveBeenCalled();
  });

  it('refuses an order that repeats a SKU (after normalisation) with 400 naming body.lines', async () => {
    const lines = [
      { sku: 'tea-sencha', quantity: 1 },
      { sku: 'TEA-SENCHA', quantity: 2 },
    ];

    const response = await invoke(handler, placeOrder({ body: { lines } }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.lines', message: 'must not repeat a SKU' }] },
    });
    expect(place).not.toHaveBeenCalled();
  });

  it.each([0, -1, 1.5, '2', 1001])('refuses quantity %p with 400 naming body.lines.0.quantity', async (quantity) => {
    const response = await invoke(handler, placeOrder({ body: { lines: [{ sku: 'TEA-SENCHA', quantity }] } }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.lines.0.quantity' }] },
    });
    expect(place).not.toHaveBeenCalled();
  });

  it('refuses an order without lines with 400 naming body.lines', async () => {
    const response = await invoke(handler, placeOrder({ body: { lines: [] } }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.lines' }] } });
    expect(place).not.toHaveBeenCalled();
  });

  it('refuses a line with an unknown field with 400', async () => {
    const response = await invoke(
      handler,
      placeOrder({ body: { lines: [{ sku: 'TEA-SENCHA', quantity: 1, priceCents: 1 }] } }),
    );

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({
      error: {
        code: 'VALIDATION_FAILED',
        details: [{ field: 'body.lines.0', message: expect.stringContaining('priceCents') }],
      },
    });
    expect(place).not.toHaveBeenCalled();
  });

  it('answers 409 OUT_OF_STOCK with every shortage when the store has not enough stock, projecting nothing', async () => {
    // given
    const shortages = [{ sku: 'TEA-SENCHA', requested: 2, available: 1 }];
    place.mockRejectedValue(new OutOfStockError(shortages));

    // when
    const response = await invoke(handler, placeOrder());

    // then
    expect(response.statusCode).toBe(409);
    expect(response.body).toEqual({
      error: { code: 'OUT_OF_STOCK', message: 'Not enough stock for TEA-SENCHA', details: { shortages } },
    });
    expect(catalog).not.toHaveReceivedAnyCommand();
  });

  it('answers 400 when the store reports an unknown SKU', async () => {
    const problems = [{ field: 'lines.1.sku', message: 'unknown product MUG-1' }];
    place.mockRejectedValue(new InvalidInputError('Order names products that do not exist', problems));

    const response = await invoke(handler, placeOrder());

    expect(response.statusCode).toBe(400);
    expect(response.body).toEqual({
      error: { code: 'VALIDATION_FAILED', message: 'Order names products that do not exist', details: problems },
    });
    expect(catalog).not.toHaveReceivedAnyCommand();
  });

  it('answers 500 without internals when the store fails unexpectedly', async () => {
    place.mockRejectedValue(new Error('connect ECONNREFUSED 10.0.0.5:5432'));

    const response = await invoke(handler, placeOrder());

    expect(response.statusCode).toBe(500);
    expect(JSON.stringify(response.body)).not.toContain('10.0.0.5');
    expect(response.body).toMatchObject({ error: { code: 'INTERNAL' } });
  });

  describe('with an Idempotency-Key header', () => {
    const withKey = (key: string, sub = shopperSub) =>
      placeOrder({ headers: { 'idempotency-key': key }, caller: { sub, role: 'shopper' } });

    it('records the request in the idempotency table with a conditional put keyed by the caller and the key', async () => {
      // when
      const response = await invoke(handler, withKey('key-1'));

      // then
      expect(response.statusCode).toBe(201);
      expect(response.body).toEqual(anOrder());
      expect(place).toHaveBeenCalledTimes(1);
      expect(idempotency).toHaveReceivedCommandTimes(PutItemCommand, 1);
      expect(idempotency).toHaveReceivedCommandWith(PutItemCommand, {
        TableName: 'shelf-test-idempotency',
        Item: expect.objectContaining({
          id: { S: recordId(shopperSub, 'key-1') },
          status: { S: 'INPROGRESS' },
          validation: { S: payloadHash(shopperSub, orderLines) },
        }),
        ConditionExpression: expect.stringContaining('attribute_not_exists(#id)'),
        ExpressionAttributeNames: expect.objectContaining({ '#id': 'id' }),
      });
    });

    it('stores the order as the completed response of the key', async () => {
      await invoke(handler, withKey('key-1'));

      expect(idempotency).toHaveReceivedCommandWith(UpdateItemCommand, {
        TableName: 'shelf-test-idempotency',
        Key: { id: { S: recordId(shopperSub, 'key-1') } },
        ExpressionAttributeValues: expect.objectContaining({
          ':status': { S: 'COMPLETED' },
          ':response_data': toAttribute(anOrder()),
        }),
      });
    });

    it('keys the same Idempotency-Key of two callers apart', async () => {
      await invoke(handler, withKey('shared-key', shopperSub));
      await invoke(handler, withKey('shared-key', otherShopperSub));

      const ids = idempotency.commandCalls(PutItemCommand).map((call) => call.args[0].input.Item?.id?.S);
      expect(ids).toEqual([recordId(shopperSub, 'shared-key'), recordId(otherShopperSub, 'shared-key')]);
      expect(ids[0]).not.toEqual(ids[1]);
      expect(place).toHaveBeenCalledTimes(2);
    });

    it('returns the stored response without placing the order again when the key was already completed', async () => {
      // given: the conditional put fails and DynamoDB returns the completed record (ALL_OLD)
      const first = anOrder({ orderId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' });
      idempotency.on(PutItemCommand).rejects(conditionFailed(completedRecord(shopperSub, 'key-1', first)));

      // when
      const response = await invoke(handler, withKey('key-1'));

      // then
      expect(response.statusCode).toBe(201);
      expect(response.body).toEqual(first);
      expect(place).not.toHaveBeenCalled();
      expect(catalog).not.toHaveReceivedAnyCommand();
      expect(idempotency).not.toHaveReceivedCommand(UpdateItemCommand);
    });

    it('reads the completed record when the failed put does not return it', async () => {
      const first = anOrder({ orderId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' });
      idempotency.on(PutItemCommand).rejects(conditionFailed());
      idempotency.on(GetItemCommand).resolves({ Item: completedRecord(shopperSub, 'key-1', first) });

      const response = await invoke(handler, withKey('key-1'));

      expect(response.statusCode).toBe(201);
      expect(response.body).toEqual(first);
      expect(place).not.toHaveBeenCalled();
      expect(idempotency).toHaveReceivedCommandWith(GetItemCommand, {
        TableName: 'shelf-test-idempotency',
        Key: { id: { S: recordId(shopperSub, 'key-1') } },
        ConsistentRead: true,
      });
    });

    it('answers 422 IDEMPOTENCY_KEY_REUSED when the key was used with a different order', async () => {
      const otherLines = [{ sku: 'MUG-1', quantity: 5 }];
      idempotency
        .on(PutItemCommand)
        .rejects(conditionFailed(completedRecord(shopperSub, 'key-1', anOrder(), otherLines)));

      const response = await invoke(handler, withKey('key-1'));

      expect(response.statusCode).toBe(422);
      expect(response.body).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
      expect(place).not.toHaveBeenCalled();
    });

    it('answers 409 CONFLICT while the first request with the key is still in progress', async () => {
      const inProgress = toItem({
        id: recordId(shopperSub, 'key-1'),
        status: 'INPROGRESS',
        expiration: Math.floor(Date.now() / 1000) + 3600,
        in_progress_expiration: Date.now() + 5000,
        validation: payloadHash(shopperSub, orderLines),
      });
      idempotency.on(PutItemCommand).rejects(conditionFailed(inProgress));

      const response = await invoke(handler, withKey('key-1'));

      expect(response.statusCode).toBe(409);
      expect(response.body).toMatchObject({ error: { code: 'CONFLICT' } });
      expect(place).not.toHaveBeenCalled();
    });

    it('deletes the in-progress record when the order fails, so a retry can place it', async () => {
      place.mockRejectedValue(new OutOfStockError([{ sku: 'MUG-1', requested: 1, available: 0 }]));

      const response = await invoke(handler, withKey('key-1'));

      expect(response.statusCode).toBe(409);
      expect(response.body).toMatchObject({ error: { code: 'OUT_OF_STOCK' } });
      expect(idempotency).toHaveReceivedCommandWith(DeleteItemCommand, {
        TableName: 'shelf-test-idempotency',
        Key: { id: { S: recordId(shopperSub, 'key-1') } },
      });
      expect(idempotency).not.toHaveReceivedCommand(UpdateItemCommand);
    });

    it.each([
      ['300 characters long', 'k'.repeat(300)],
      ['containing a space', 'my key'],
      ['containing non-ASCII', 'clé-1'],
    ])('refuses an Idempotency-Key %s with 400, placing nothing', async (_, key) => {
      const response = await invoke(handler, withKey(key));

      expect(response.statusCode).toBe(400);
      expect(response.body).toMatchObject({
        error: { code: 'VALIDATION_FAILED', details: [{ field: 'Idempotency-Key' }] },
      });
      expect(place).not.toHaveBeenCalled();
      expect(idempotency).not.toHaveReceivedAnyCommand();
    });
  });
});
