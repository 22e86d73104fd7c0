/**
 * The shop's domain events: facts one part of Shelf announces on its EventBridge bus
 * (DomainEventBus, infra/resources/events.yml) for the others to react to, without knowing them.
 * Each kind has a versioned zod schema in this folder; the publisher is a port, its EventBridge
 * adapter is shared/adapters/eventbridge/domain-event-publisher.ts.
 */
import { v5 as uuidv5 } from 'uuid';

/** What every event's detail carries, whatever its kind. */
export interface DomainEventDetail {
  /** The same for every publication of one fact (see domainEventId): consumers drop repeats by it. */
  eventId: string;
  /** The version of the detail's schema; a breaking change publishes a new version. */
  eventVersion: number;
}

/** One event: where it comes from, what kind it is, when it happened, and its detail. */
export interface DomainEvent<D extends DomainEventDetail = DomainEventDetail> {
  /** The part of the shop that publishes it, e.g. `shelf.catalog` (EventBridge's `source`). */
  source: string;
  /** The kind, e.g. `PriceChanged` (EventBridge's `detail-type`). */
  detailType: string;
  /** When the fact happened, ISO-8601 (EventBridge's `time`). */
  time: string;
  detail: D;
}

export interface DomainEventPublisher {
  /** Publishes every event, or throws: an event is never dropped silently. */
  publish(events: readonly DomainEvent[]): Promise<void>;
}

/** Shelf's namespace for name-based (v5) event ids. */
const eventIdNamespace = '0b6c3c2e-6f0a-4d5e-9a43-6a1f3d0c7e21';

/**
 * A deterministic event id: the same kind and the same parts (e.g. SKU and version) always give
 * the same UUID. Publishers retry (a Lambda retry publishes again), so consumers must be able to
 * tell a repeat from a new fact.
 */
export function domainEventId(detailType: string, ...parts: (string | number)[]): string {
  return uuidv5([detailType, ...parts].join('\n'), eventIdNamespace);
}
