/**
 * Publishing domain events through the transactional outbox (migrations/008-domain-event-outbox.sql).
 * A writer puts its events in the outbox in the transaction of the fact they announce, so an event
 * is never lost when its fact commits, nor announced when it does not. Two ways publish them, as
 * for the catalog outbox (shared/catalog/catalog-projection.ts):
 * - right after the commit, the writer publishes the events it wrote (the confirmation mail leaves
 *   within seconds); if EventBridge fails then, the fact still stands and its events stay queued;
 * - the scheduled publishDomainEvents function (services/events/publish-domain-events.ts) publishes
 *   whatever is still queued, every minute.
 * Delivery is at least once: a publisher that dies after PutEvents and before its commit leaves the
 * events queued, and they go out again with the same event ids (domainEventId), which consumers use
 * to drop repeats (docs/events.md).
 */
import { logger, metrics, MetricUnit } from '../observability';
import type { DomainEvent, DomainEventPublisher } from './domain-event';

export interface DomainEventOutbox {
  /**
   * In one transaction: locks queued events (the given ones, or the oldest), skipping those another
   * publisher holds, hands them to `publish` in the order they were queued, and removes them once it
   * resolves. A failed publish leaves them queued. Returns how many were published.
   */
  drain(
    publish: (events: DomainEvent[]) => Promise<void>,
    selection: { eventIds?: readonly string[]; limit: number },
  ): Promise<number>;
}

export interface OutboxPublishingDeps {
  outbox: DomainEventOutbox;
  publisher: DomainEventPublisher;
}

/** How many queued events one drain takes (one transaction; PutEvents calls of 10). */
export const publishBatchSize = 100;

/**
 * After a commit: publishes the events the writer queued, and never fails the writer for it (the
 * fact is committed; the events stay queued for publishDomainEvents). True when published now.
 */
export async function publishAfterCommit(deps: OutboxPublishingDeps, eventIds: readonly string[]): Promise<boolean> {
  if (eventIds.length === 0) return true;
  try {
    await deps.outbox.drain((events) => deps.publisher.publish(events), { eventIds, limit: eventIds.length });
    return true;
  } catch (error) {
    logger.warn('Domain events left in the outbox for publishDomainEvents', { eventIds, error });
    metrics.addMetric('DomainEventsDeferred', MetricUnit.Count, eventIds.length);
    return false;
  }
}

/**
 * Publishes the whole outbox, a batch at a time, until it is empty or `shouldStop` says so (the
 * function's remaining time). Returns how many were published; a failure propagates.
 */
export async function publishQueued(
  deps: OutboxPublishingDeps,
  { shouldStop = () => false }: { shouldStop?: () => boolean } = {},
): Promise<number> {
  let published = 0;
  while (!shouldStop()) {
    const drained = await deps.outbox.drain((events) => deps.publisher.publish(events), { limit: publishBatchSize });
    if (drained === 0) break;
    published += drained;
  }
  return published;
}
