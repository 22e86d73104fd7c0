// The catalog change feed through the local stack, where the lab (docs/labs/07) does not go: the
// same stream record delivered twice writes one audit entry, and a record that is not a catalog
// change is reported alone while the rest of its batch is recorded.
import { invokeFunction } from '../../infra/local/lambda/invoke';
import sample from '../fixtures/events/functions/recordCatalogChange.json';
import { adminToken, api, uniqueSku, until } from './helpers';

type StreamEvent = typeof sample;

/** The shop's sample stream event (an INSERT, then a price change) about `sku`. */
function changesOf(sku: string): StreamEvent {
  const event = structuredClone(sample);
  for (const record of event.Records) {
    record.dynamodb.Keys.sku.S = sku;
    record.dynamodb.NewImage.sku.S = sku;
    if ('OldImage' in record.dynamodb && record.dynamodb.OldImage) record.dynamodb.OldImage.sku.S = sku;
    record.eventID = `${sku}-${record.eventID}`;
  }
  return event;
}

const invoke = (event: unknown) =>
  invokeFunction(process.env.SHELF_TEST_LAMBDA_URL!, 'shelf-local-recordCatalogChange', event);

const historyOf = async (sku: string) =>
  (
    await api<{ items: { version: number; change: string }[] }>('GET', `/products/${sku}/history`, {
      token: adminToken(),
    })
  ).body.items;

describe('the catalog change feed (recordCatalogChange)', () => {
  it('writes one audit entry per change however often a record is delivered', async () => {
    const sku = uniqueSku('FEED');
    const event = changesOf(sku);

    for (let delivery = 1; delivery <= 2; delivery++) {
      const invocation = await invoke(event);
      expect(invocation.functionError).toBeUndefined();
      expect(invocation.payload).toEqual({ batchItemFailures: [] });
    }

    const history = await until('the two entries', async () => {
      const items = await historyOf(sku);
      return items.length >= 2 ? items : undefined;
    });
    expect(history.map(({ version, change }) => ({ version, change }))).toEqual([
      { version: 2, change: 'changed' },
      { version: 1, change: 'created' },
    ]);
  });

  it('reports a record that is no catalog change by its sequence number and records the others', async () => {
    const sku = uniqueSku('FEED');
    const event = changesOf(sku);
    const [good] = event.Records;
    const foreign = structuredClone(good!);
    foreign.dynamodb.SequenceNumber = '1405400000000002063282999';
    (foreign.dynamodb.Keys as Record<string, unknown>) = { Id: { N: '101' } };

    const invocation = await invoke({ Records: [good, foreign] });

    expect(invocation.payload).toEqual({ batchItemFailures: [{ itemIdentifier: '1405400000000002063282999' }] });
    expect((await historyOf(sku)).map((entry) => entry.version)).toEqual([1]);
  });
});
