// Publishing through the domain event outbox (shared/events/outbox-publishing.ts), over in-memory
// fakes of the outbox and the publisher.
import { orderPlaced } from '../../../shared/events/order-placed';
import { publishAfterCommit, publishBatchSize, publishQueued } from '../../../shared/events/outbox-publishing';
import { FakeDomainEventOutbox, FakeDomainEventPublisher } from './outbox-fakes';

const anEvent = (n: number) =>
  orderPlaced({
    orderId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    customer: { id: 'shopper-1', email: null },
    lines: [{ sku: 'TEA-1', name: 'Tea', quantity: 1, unitPriceCents: 100, lineTotalCents: 100 }],
    totalCents: 100,
    currency: 'EUR',
    placedAt: '2026-12-01T10:00:00.000Z',
  });

let outbox: FakeDomainEventOutbox;
let publisher: FakeDomainEventPublisher;

beforeEach(() => {
  outbox = new FakeDomainEventOutbox();
  publisher = new FakeDomainEventPublisher();
});

describe('publishAfterCommit', () => {
  it("publishes only the writer's own events and takes them out of the outbox", async () => {
    outbox.write([anEvent(1)]);
    const mine = outbox.write([anEvent(2), anEvent(3)]);

    await expect(publishAfterCommit({ outbox, publisher }, mine)).resolves.toBe(true);

    expect(publisher.published.map((e) => e.detail.eventId)).toEqual(mine);
    expect(outbox.queued.map((e) => e.detail.eventId)).toEqual([anEvent(1).detail.eventId]);
  });

  it('never fails the writer: when EventBridge fails the events stay queued', async () => {
    const mine = outbox.write([anEvent(1)]);
    publisher.failure = new Error('EventBridge unreachable');

    await expect(publishAfterCommit({ outbox, publisher }, mine)).resolves.toBe(false);

    expect(outbox.queued).toHaveLength(1);
  });

  it('does nothing for a writer that queued nothing', async () => {
    await expect(publishAfterCommit({ outbox, publisher }, [])).resolves.toBe(true);
    expect(outbox.drains).toEqual([]);
  });
});

describe('publishQueued', () => {
  it('publishes the whole outbox in batches, oldest first', async () => {
    const events = Array.from({ length: publishBatchSize + 5 }, (_, i) => anEvent(i + 1));
    outbox.write(events);

    await expect(publishQueued({ outbox, publisher })).resolves.toBe(events.length);

    expect(publisher.published).toEqual(events);
    expect(outbox.drains.map((d) => d.limit)).toEqual([publishBatchSize, publishBatchSize, publishBatchSize]);
  });

  it('stops taking batches when told to (the function running out of time)', async () => {
    outbox.write(Array.from({ length: publishBatchSize * 2 }, (_, i) => anEvent(i + 1)));
    let batches = 0;

    await publishQueued({ outbox, publisher }, { shouldStop: () => batches++ >= 1 });

    expect(publisher.published).toHaveLength(publishBatchSize);
  });

  it('fails with EventBridge, leaving the events queued for the next run', async () => {
    outbox.write([anEvent(1)]);
    publisher.failure = new Error('AccessDeniedException');

    await expect(publishQueued({ outbox, publisher })).rejects.toThrow('AccessDeniedException');
    expect(outbox.queued).toHaveLength(1);
  });
});
