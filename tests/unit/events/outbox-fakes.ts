/** In-memory fakes of the domain event outbox and publisher ports (shared/events/). */
import type { DomainEvent, DomainEventPublisher } from '../../../shared/events/domain-event';
import type { DomainEventOutbox } from '../../../shared/events/outbox-publishing';

export class FakeDomainEventOutbox implements DomainEventOutbox {
  /** Queued events, in the order they were written (the table's seq). */
  readonly queued: DomainEvent[] = [];
  readonly drains: { eventIds?: readonly string[]; limit: number }[] = [];

  /** What a writer's transaction does: queue its events (a repeated id is kept once). */
  write(events: DomainEvent[]): string[] {
    for (const event of events) {
      if (!this.queued.some((q) => q.detail.eventId === event.detail.eventId)) this.queued.push(event);
    }
    return events.map((event) => event.detail.eventId);
  }

  async drain(
    publish: (events: DomainEvent[]) => Promise<void>,
    selection: { eventIds?: readonly string[]; limit: number },
  ): Promise<number> {
    this.drains.push(selection);
    const taken = this.queued
      .filter((event) => !selection.eventIds || selection.eventIds.includes(event.detail.eventId))
      .slice(0, selection.limit);
    if (taken.length === 0) return 0;
    await publish(taken);
    for (const event of taken) this.queued.splice(this.queued.indexOf(event), 1);
    return taken.length;
  }
}

export class FakeDomainEventPublisher implements DomainEventPublisher {
  readonly published: DomainEvent[] = [];
  failure: Error | undefined;

  publish(events: readonly DomainEvent[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.published.push(...events);
    return Promise.resolve();
  }
}
