// The catalog's change feed handler with AWS's sample DynamoDB Streams event and records built on it
// (catalog items as the read model writes them): DynamoDB (the history table) and EventBridge
// mocked at the SDK.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/catalog/record-catalog-change';
import ddbSample from '../../fixtures/events/dynamodb-event.json';
import { lambdaContext } from '../../helpers/http-events';

const dynamo = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);

type Item = Record<string, string | number>;

/** A plain item in DynamoDB's attribute-value JSON, as a stream record carries it. */
const image = (item: Item) =>
  Object.fromEntries(
    Object.entries(item).map(([name, value]) => [
      name,
      typeof value === 'number' ? { N: String(value) } : { S: value },
    ]),
  );

/** A product as the read model stores it (catalog-read-model.ts), at a version. */
const productItem = (sku: string, version: number, changes: Item = {}): Item => ({
  sku,
  name: 'Sencha',
  description: 'Green tea',
  category: 'tea',
  priceCents: 1200,
  currency: 'EUR',
  stock: 25,
  version,
  updatedAt: `2026-12-01T10:00:0${version}.000Z`,
  changedBy: 'admin:admin-1',
  searchText: 'sencha green tea tea',
  ...changes,
});

const tombstoneItem = (sku: string, version: number): Item => ({
  sku,
  version,
  deletedAt: '2026-12-01T11:00:00.000Z',
  changedBy: 'admin:admin-2',
  expiresAt: 1764673200,
});

const streamArn = 'arn:aws:dynamodb:us-east-1:123456789012:table/shelf-test-catalog/stream/2026-12-01T00:00:00.000';

/** AWS's sample record (the second: a change made by a caller, not by TTL) carrying a catalog change. */
function change(
  sequenceNumber: string,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  images: { old?: Item; new?: Item },
  sku = String((images.new ?? images.old)!.sku),
): DynamoDBRecord {
  const sample = structuredClone(ddbSample.Records[1]!);
  return {
    ...sample,
    eventID: `event-${sequenceNumber}`,
    eventName,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: 1764583200,
      Keys: { sku: { S: sku } },
      ...(images.new ? { NewImage: image(images.new) } : {}),
      ...(images.old ? { OldImage: image(images.old) } : {}),
      SequenceNumber: sequenceNumber,
      SizeBytes: 180,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

const streamEvent = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });
const run = (event: unknown) => handler(event as DynamoDBStreamEvent, lambdaContext());

/** The history entries written, as their items. */
const written = () => dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item!);
const published = () => eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);

beforeEach(() => {
  dynamo.reset();
  dynamo.on(PutCommand).resolves({});
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });
});

describe('recordCatalogChange', () => {
  it("fails AWS's sample event whole, writing nothing: its records are not changes of the catalog table", async () => {
    // The sample's items (keys "key" and "val") are another table's: every record is unreadable, so
    // the invocation fails and Lambda bisects, retries, then records the batch in the failure queue.
    await expect(run(ddbSample)).rejects.toThrow('All records failed processing');

    expect(dynamo).not.toHaveReceivedAnyCommand();
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });

  it('records a product created (INSERT) by whom and when, with no event', async () => {
    const response = await run(streamEvent(change('100', 'INSERT', { new: productItem('TEA-1', 1) })));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'shelf-test-catalog-history',
      ConditionExpression: 'attribute_not_exists(sku)',
    });
    expect(written()).toEqual([
      {
        sku: 'TEA-1',
        position: '00000000000000000001',
        version: 1,
        change: 'created',
        changedAt: '2026-12-01T10:00:01.000Z',
        changedBy: 'admin:admin-1',
        changedFields: [],
        before: null,
        after: { name: 'Sencha', priceCents: 1200, currency: 'EUR', stock: 25 },
        changeId: 'event-100',
        expiresAt: Date.parse('2026-12-01T10:00:01.000Z') / 1000 + 365 * 24 * 3600,
      },
    ]);
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });

  it('records a price change (MODIFY) and publishes PriceChanged on the domain event bus', async () => {
    const response = await run(
      streamEvent(
        change('200', 'MODIFY', {
          old: productItem('TEA-1', 1),
          new: productItem('TEA-1', 2, { priceCents: 990, changedBy: 'import:0193-import' }),
        }),
      ),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(written()).toEqual([
      expect.objectContaining({
        change: 'changed',
        version: 2,
        changedBy: 'import:0193-import',
        changedFields: ['priceCents'],
        before: expect.objectContaining({ priceCents: 1200 }),
        after: expect.objectContaining({ priceCents: 990 }),
      }),
    ]);
    expect(published()).toEqual([
      {
        EventBusName: 'shelf-test-domain-events',
        Source: 'shelf.catalog',
        DetailType: 'PriceChanged',
        Time: new Date('2026-12-01T10:00:02.000Z'),
        Detail: expect.any(String),
      },
    ]);
    expect(JSON.parse(published()[0]!.Detail!)).toEqual({
      eventId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      eventVersion: 1,
      sku: 'TEA-1',
      productVersion: 2,
      oldPrice: { cents: 1200, currency: 'EUR' },
      newPrice: { cents: 990, currency: 'EUR' },
      changedAt: '2026-12-01T10:00:02.000Z',
      changedBy: 'import:0193-import',
    });
  });

  it('records a stock change by an order with no event: the price did not move', async () => {
    await run(
      streamEvent(
        change('300', 'MODIFY', {
          old: productItem('TEA-1', 2),
          new: productItem('TEA-1', 3, { stock: 23, changedBy: 'order:7f0c' }),
        }),
      ),
    );

    expect(written()).toEqual([
      expect.objectContaining({
        changedBy: 'order:7f0c',
        changedFields: ['stock'],
        after: expect.objectContaining({ stock: 23 }),
      }),
    ]);
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });

  it('records a removal from the tombstone Shelf leaves (MODIFY): who removed it, and when', async () => {
    await run(streamEvent(change('400', 'MODIFY', { old: productItem('TEA-1', 3), new: tombstoneItem('TEA-1', 4) })));

    expect(written()).toEqual([
      expect.objectContaining({
        position: '00000000000000000004#removed',
        change: 'removed',
        changedBy: 'admin:admin-2',
        changedAt: '2026-12-01T11:00:00.000Z',
        after: null,
      }),
    ]);
  });

  it('records nothing when a tombstone expires (REMOVE by DynamoDB TTL)', async () => {
    const expired = {
      ...change('500', 'REMOVE', { old: tombstoneItem('TEA-1', 4) }),
      userIdentity: ddbSample.Records[0]!.userIdentity,
    };

    const response = await run(streamEvent(expired));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it('records an item deleted outside Shelf (REMOVE of a product) as removed by nobody known', async () => {
    await run(streamEvent(change('600', 'REMOVE', { old: productItem('TEA-1', 3) })));

    expect(written()).toEqual([
      expect.objectContaining({
        position: '00000000000000000003#removed',
        change: 'removed',
        changedBy: null,
        changedAt: new Date(1764583200 * 1000).toISOString(),
      }),
    ]);
  });

  it('writes one entry for a record delivered twice, and publishes its event again with the same id', async () => {
    const record = change('700', 'MODIFY', {
      old: productItem('TEA-1', 1),
      new: productItem('TEA-1', 2, { priceCents: 990 }),
    });
    dynamo
      .on(PutCommand)
      .resolvesOnce({})
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    const first = await run(streamEvent(record));
    const second = await run(streamEvent(record));

    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    const [once, again] = published().map((entry) => JSON.parse(entry.Detail!) as { eventId: string });
    expect(again!.eventId).toBe(once!.eventId);
  });

  it('reports a poison record alone (a product image without its price), recording the rest of the batch', async () => {
    const { priceCents: _missing, ...withoutPrice } = productItem('BAD-1', 1);

    const response = await run(
      streamEvent(
        change('800', 'INSERT', { new: productItem('TEA-1', 1) }),
        change('801', 'INSERT', { new: withoutPrice }),
        change('802', 'INSERT', { new: productItem('TEA-2', 1) }),
      ),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '801' }] });
    expect(written().map((item) => item.sku)).toEqual(['TEA-1', 'TEA-2']);
  });

  it('reports a record without a sku key, which is not a change of the catalog table', async () => {
    const foreign = { ...change('900', 'INSERT', { new: productItem('TEA-1', 1) }) };
    foreign.dynamodb = { ...foreign.dynamodb, Keys: { id: { S: 'x' } } };

    const response = await run(streamEvent(foreign, change('901', 'INSERT', { new: productItem('TEA-2', 1) })));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '900' }] });
    expect(written().map((item) => item.sku)).toEqual(['TEA-2']);
  });

  it("records a SKU's changes one after another, other SKUs' meanwhile", async () => {
    const calls: string[] = [];
    let releaseFirst!: () => void;
    const firstWritten = new Promise<void>((resolve) => (releaseFirst = resolve));
    dynamo.on(PutCommand).callsFake(async (input: PutCommandInput) => {
      const name = `${String(input.Item!.sku)} v${String(input.Item!.version)}`;
      calls.push(`start ${name}`);
      if (name === 'TEA-1 v1') await firstWritten;
      calls.push(`end ${name}`);
      return {};
    });

    const running = run(
      streamEvent(
        change('1200', 'INSERT', { new: productItem('TEA-1', 1) }),
        change('1201', 'MODIFY', { old: productItem('TEA-1', 1), new: productItem('TEA-1', 2, { stock: 3 }) }),
        change('1202', 'INSERT', { new: productItem('TEA-2', 1) }),
      ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    const whileFirstIsWritten = [...calls];
    releaseFirst();

    await expect(running).resolves.toEqual({ batchItemFailures: [] });
    expect(whileFirstIsWritten).toEqual(['start TEA-1 v1', 'start TEA-2 v1', 'end TEA-2 v1']);
    expect(calls.slice(3)).toEqual(['end TEA-1 v1', 'start TEA-1 v2', 'end TEA-1 v2']);
  });

  it("fails a SKU's later records after its first failure, untried, so the retry records them in order", async () => {
    dynamo
      .on(PutCommand)
      .callsFake((input: PutCommandInput) =>
        input.Item!.version === 1 && input.Item!.sku === 'TEA-1'
          ? Promise.reject(new Error('ProvisionedThroughputExceededException'))
          : Promise.resolve({}),
      );

    const response = await run(
      streamEvent(
        change('1000', 'INSERT', { new: productItem('TEA-1', 1) }),
        change('1001', 'INSERT', { new: productItem('TEA-2', 1) }),
        change('1002', 'MODIFY', { old: productItem('TEA-1', 1), new: productItem('TEA-1', 2, { priceCents: 990 }) }),
      ),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '1000' }, { itemIdentifier: '1002' }] });
    // TEA-1's second change was never written nor announced; TEA-2's was recorded.
    expect(written().map((item) => [item.sku, item.version])).toEqual([
      ['TEA-1', 1],
      ['TEA-2', 1],
    ]);
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });

  it('reports the record when EventBridge refuses its event (FailedEntryCount), its entry kept for the retry', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'denied' }] });

    const response = await run(
      streamEvent(
        change('1100', 'MODIFY', { old: productItem('TEA-1', 1), new: productItem('TEA-1', 2, { priceCents: 990 }) }),
        change('1101', 'INSERT', { new: productItem('TEA-2', 1) }),
      ),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '1100' }] });
    expect(written().map((item) => item.sku)).toEqual(['TEA-1', 'TEA-2']);
  });
});
