// aggregateClickstream: fed AWS's Kinesis sample event and tumbling-window invocations built from
// it, with DynamoDB mocked at the SDK (the once-only semantics themselves are in
// clickstream-aggregation.test.ts).
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as aggregateClickstream } from '../../../services/clickstream/aggregate-clickstream';
import kinesisSample from '../../fixtures/events/kinesis-event.json';
import { lambdaContext } from '../../helpers/http-events';
import { clickRecord, kinesisRecord, shardId, windowEvent } from './clickstream-fixtures';

const dynamo = mockClient(DynamoDBDocumentClient);
const table = 'shelf-test-clickstream-aggregates';

const invoke = (event: unknown) => aggregateClickstream(event as never, lambdaContext());
const transactions = () => dynamo.commandCalls(TransactWriteCommand).map(({ args: [command] }) => command.input);

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

beforeEach(() => {
  dynamo.reset();
  dynamo.on(TransactWriteCommand).resolves({});
});

describe('aggregateClickstream', () => {
  it("refuses AWS's sample event as it is: it has no tumbling window, so the mapping is wired wrong", async () => {
    await expect(invoke(structuredClone(kinesisSample))).rejects.toThrow(/window/);
    expect(transactions()).toEqual([]);
  });

  it('drops the sample\'s two records ("Hello World" is no clickstream record) without failing them', async () => {
    const event = {
      ...structuredClone(kinesisSample),
      ...windowEvent([]),
      Records: structuredClone(kinesisSample.Records),
    };

    const response = await invoke(event);

    expect(response).toEqual({
      state: { counts: {}, dropped: 2, lowestSequenceNumber: expect.any(String) },
      batchItemFailures: [],
    });
    expect(response.state.lowestSequenceNumber).toBe(kinesisSample.Records[0]!.kinesis.sequenceNumber);
    expect(transactions()).toEqual([]);
  });

  it('returns the counts as state until the final invocation, which writes them in one transaction', async () => {
    const first = await invoke(
      windowEvent([
        kinesisRecord(0, clickRecord()),
        kinesisRecord(1, clickRecord()),
        kinesisRecord(2, clickRecord({ type: 'add-to-cart' })),
      ]),
    );
    const second = await invoke(
      windowEvent([kinesisRecord(3, clickRecord()), kinesisRecord(4, 'not json')], { state: first.state }),
    );
    expect(transactions()).toEqual([]);

    const final = await invoke(windowEvent([], { state: second.state, isFinal: true }));

    expect(second.state).toMatchObject({ counts: { 'MUG-001': [3, 1] }, dropped: 1 });
    expect(final).toEqual({ state: { counts: {}, dropped: 0 }, batchItemFailures: [] });
    const [transaction, ...more] = transactions();
    expect(more).toEqual([]);
    const lowest = kinesisRecord(0, clickRecord()).kinesis.sequenceNumber;
    expect(transaction!.TransactItems).toEqual([
      {
        Put: expect.objectContaining({
          TableName: table,
          Item: expect.objectContaining({
            pk: `window#2026-12-02T19:45:00Z/${shardId}/${lowest}/0`,
            sk: 'window',
            minute: '2026-12-02T19:45',
          }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      },
      {
        Update: expect.objectContaining({
          TableName: table,
          Key: { pk: 'minutes#2026-12-02T19', sk: '2026-12-02T19:45#MUG-001' },
          UpdateExpression: expect.stringMatching(/^ADD #views :views, #addToCarts :addToCarts SET /),
          ExpressionAttributeValues: expect.objectContaining({ ':views': 3, ':addToCarts': 1, ':sku': 'MUG-001' }),
        }),
      },
    ]);
    // Kept two days past the minute.
    const expiresAt = (transaction!.TransactItems![0]!.Put!.Item as { expiresAt: number }).expiresAt;
    expect(expiresAt).toBe(Date.parse('2026-12-02T19:45:00Z') / 1000 + 2 * 86_400);
  });

  it('delivers the final invocation twice and counts it once: the second transaction finds the marker', async () => {
    const final = windowEvent([kinesisRecord(0, clickRecord()), kinesisRecord(1, clickRecord())], { isFinal: true });
    dynamo.on(TransactWriteCommand).resolvesOnce({}).rejectsOnce(cancelled('ConditionalCheckFailed', 'None'));

    const first = await invoke(structuredClone(final));
    const replay = await invoke(structuredClone(final));

    expect(replay).toEqual(first);
    // The same transaction (only the marker's appliedAt may differ): same marker, same counts.
    const [written, replayed] = transactions().map((t) =>
      JSON.stringify(t, (key, value: unknown) => (key === 'appliedAt' ? undefined : value)),
    );
    expect(replayed).toEqual(written);
  });

  it('writes the state of a window Lambda ended early (its state passed 1 MB), which it would drop', async () => {
    const event = { ...windowEvent([kinesisRecord(0, clickRecord())]), isWindowTerminatedEarly: true };

    const response = await invoke(event);

    expect(response.state).toEqual({ counts: {}, dropped: 0 });
    expect(transactions()).toHaveLength(1);
  });

  it('tries a transaction again when it collided with another shard’s write of the same minute', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled('None', 'TransactionConflict')).resolves({});

    const response = await invoke(windowEvent([kinesisRecord(0, clickRecord())], { isFinal: true }));

    expect(response.batchItemFailures).toEqual([]);
    expect(transactions()).toHaveLength(2);
  });

  it('fails the invocation when the write fails, so Lambda retries it with the same state', async () => {
    dynamo.on(TransactWriteCommand).rejects(new Error('Throughput exceeds the current capacity'));

    await expect(invoke(windowEvent([kinesisRecord(0, clickRecord())], { isFinal: true }))).rejects.toThrow(
      /Throughput/,
    );
  });

  it('takes the shard from the records when the event does not name it', async () => {
    const event: Partial<ReturnType<typeof windowEvent>> = windowEvent(
      [kinesisRecord(0, clickRecord(), 'shardId-000000000007')],
      {
        isFinal: true,
      },
    );
    delete event.shardId;

    await invoke(event);

    expect(String(transactions()[0]!.TransactItems![0]!.Put!.Item!.pk)).toContain('/shardId-000000000007/');
  });
});
