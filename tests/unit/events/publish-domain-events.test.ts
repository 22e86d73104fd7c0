// publishDomainEvents, fed AWS's scheduled event: it publishes what the outbox still holds to the
// bus. The PostgreSQL outbox is an automatic mock whose drain hands over queued events; EventBridge
// is mocked.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/events/publish-domain-events';
import { PostgresDomainEventOutbox } from '../../../shared/adapters/postgres/domain-event-outbox';
import type { DomainEvent } from '../../../shared/events/domain-event';
import { stockLow } from '../../../shared/events/stock-low';
import { lambdaContext } from '../../helpers/http-events';

jest.mock('../../../shared/adapters/postgres/domain-event-outbox');

const scheduled = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'events', 'eventbridge-scheduled-event.json'), 'utf8'),
) as unknown;
const drain = jest.spyOn(PostgresDomainEventOutbox.prototype, 'drain');
const eventBridge = mockClient(EventBridgeClient);

const left = stockLow({
  sku: 'TEA-SENCHA',
  name: 'Sencha',
  category: 'tea',
  stock: 2,
  threshold: 5,
  orderId: '0f8fad5b-d9cb-469f-a165-70867728950e',
  occurredAt: '2026-12-01T10:00:00.000Z',
});

/** An outbox holding `events`: the first drain takes them, the next finds it empty. */
function outboxHolding(events: DomainEvent[]) {
  let queued = events;
  drain.mockImplementation(async (publish) => {
    const taken = queued;
    queued = [];
    if (taken.length) await publish(taken);
    return taken.length;
  });
}

beforeEach(() => {
  drain.mockReset();
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });
});

describe('publishDomainEvents', () => {
  it('publishes the events left in the outbox to the domain event bus', async () => {
    outboxHolding([left]);

    await expect(handler(scheduled, lambdaContext())).resolves.toEqual({ published: 1 });

    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          EventBusName: 'shelf-test-domain-events',
          Source: 'shelf.orders',
          DetailType: 'StockLow',
          Detail: JSON.stringify(left.detail),
        }),
      ],
    });
  });

  it('publishes nothing when the outbox is empty', async () => {
    outboxHolding([]);

    await expect(handler(scheduled, lambdaContext())).resolves.toEqual({ published: 0 });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
  });

  it('fails the run when EventBridge refuses the events (they stay queued; the run goes to its failures queue)', async () => {
    outboxHolding([left]);
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'not authorized' }],
    });

    await expect(handler(scheduled, lambdaContext())).rejects.toThrow(/StockLow .* \(AccessDeniedException/);
  });

  it('refuses an event that is not a schedule', async () => {
    await expect(handler({ Records: [] }, lambdaContext())).rejects.toThrow();
    expect(drain).not.toHaveBeenCalled();
  });
});
