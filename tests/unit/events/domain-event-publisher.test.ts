// The EventBridge adapter of the domain event publisher, against the SDK mocked: what PutEvents is
// sent, and that a 200 answer with failed entries is not taken for success.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DomainEventsNotPublishedError,
  EventBridgeDomainEventPublisher,
} from '../../../shared/adapters/eventbridge/domain-event-publisher';
import { priceChanged } from '../../../shared/events/price-changed';

const eventBridge = mockClient(EventBridgeClient);
const publisher = new EventBridgeDomainEventPublisher(new EventBridgeClient({}), 'shelf-test-domain-events');

const event = (version: number) =>
  priceChanged({
    sku: 'TEA-1',
    productVersion: version,
    oldPrice: { cents: 1200, currency: 'EUR' },
    newPrice: { cents: 990, currency: 'EUR' },
    changedAt: '2026-12-01T10:00:00.000Z',
    changedBy: 'admin:admin-1',
  });

const sentEntries = () => eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
const ok = (count: number) => ({
  FailedEntryCount: 0,
  Entries: Array.from({ length: count }, (_, i) => ({ EventId: `eb-${i}` })),
});

beforeEach(() => eventBridge.reset());

describe('EventBridgeDomainEventPublisher', () => {
  it('puts each event on the bus with its source, detail type, time and JSON detail', async () => {
    eventBridge.on(PutEventsCommand).resolves(ok(1));

    await publisher.publish([event(2)]);

    expect(sentEntries()).toEqual([
      [
        {
          EventBusName: 'shelf-test-domain-events',
          Source: 'shelf.catalog',
          DetailType: 'PriceChanged',
          Time: new Date('2026-12-01T10:00:00.000Z'),
          Detail: JSON.stringify(event(2).detail),
        },
      ],
    ]);
  });

  it('sends at most 10 entries a request (the PutEvents limit)', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ok(input.Entries.length));

    await publisher.publish(Array.from({ length: 12 }, (_, i) => event(i + 1)));

    expect(sentEntries().map((entries) => entries.length)).toEqual([10, 2]);
  });

  it('throws, naming the event and the reason, when an entry fails for good (a 200 with FailedEntryCount)', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }],
    });

    const attempt = publisher.publish([event(2)]);

    await expect(attempt).rejects.toBeInstanceOf(DomainEventsNotPublishedError);
    await expect(attempt).rejects.toMatchObject({
      failed: [
        {
          eventId: event(2).detail.eventId,
          detailType: 'PriceChanged',
          errorCode: 'MalformedDetail',
          errorMessage: 'Detail is malformed.',
        },
      ],
    });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('sends again only the entries that were throttled, then succeeds', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'eb-1' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
      })
      .resolves(ok(1));

    await publisher.publish([event(2), event(3)]);

    const [first, retry] = sentEntries();
    expect(first).toHaveLength(2);
    expect(retry).toEqual([expect.objectContaining({ Detail: JSON.stringify(event(3).detail) })]);
  });

  it('gives up after three throttled tries', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });

    await expect(publisher.publish([event(2)])).rejects.toThrow('ThrottlingException: Rate exceeded');
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
  });

  it('lets an error of the call itself through (the caller retries the whole record)', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('ResourceNotFoundException: Event bus not found'));

    await expect(publisher.publish([event(2)])).rejects.toThrow('Event bus not found');
  });
});
