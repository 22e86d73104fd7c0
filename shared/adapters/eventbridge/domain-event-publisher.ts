/**
 * Domain events onto the shop's EventBridge bus (DomainEventBus, infra/resources/events.yml) with
 * PutEvents. PutEvents answers 200 even when some entries failed: each failed entry says why in
 * its ErrorCode and FailedEntryCount counts them, so both are checked. Entries that failed for a
 * reason that passes (throttling, an internal failure) are sent again, alone, a few times; any
 * entry still failing after that, or failing for good, fails the publish with its reason.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { DomainEvent, DomainEventPublisher } from '../../events/domain-event';

/** PutEvents takes at most 10 entries. */
const maxEntriesPerRequest = 10;
/** Tries of an entry that failed for a passing reason (with back-off from 100 ms). */
const maxAttempts = 3;
const retryableErrors = new Set(['InternalFailure', 'ThrottlingException']);

export interface FailedEvent {
  eventId: string;
  detailType: string;
  errorCode: string;
  errorMessage: string;
}

export class DomainEventsNotPublishedError extends Error {
  override readonly name = 'DomainEventsNotPublishedError';

  constructor(readonly failed: FailedEvent[]) {
    super(
      `EventBridge refused ${failed.length} event(s): ${failed
        .map((f) => `${f.detailType} ${f.eventId} (${f.errorCode}: ${f.errorMessage})`)
        .join('; ')}`,
    );
  }
}

export class EventBridgeDomainEventPublisher implements DomainEventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    /** The bus's name or ARN. */
    private readonly eventBusName: string,
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += maxEntriesPerRequest) {
      await this.putAll(events.slice(i, i + maxEntriesPerRequest));
    }
  }

  private async putAll(events: readonly DomainEvent[]): Promise<void> {
    let pending = [...events];
    for (let attempt = 1; ; attempt++) {
      const { FailedEntryCount = 0, Entries = [] } = await this.client.send(
        new PutEventsCommand({ Entries: pending.map((event) => this.entry(event)) }),
      );
      if (FailedEntryCount === 0) return;
      const failed = pending.flatMap((event, i) => {
        const result: PutEventsResultEntry = Entries[i] ?? { ErrorCode: 'MissingResult', ErrorMessage: 'no result' };
        return result.ErrorCode
          ? [{ event, errorCode: result.ErrorCode, errorMessage: result.ErrorMessage ?? '' }]
          : [];
      });
      const retryable = failed.every((f) => retryableErrors.has(f.errorCode));
      if (!retryable || attempt === maxAttempts) {
        throw new DomainEventsNotPublishedError(
          failed.map(({ event, errorCode, errorMessage }) => ({
            eventId: event.detail.eventId,
            detailType: event.detailType,
            errorCode,
            errorMessage,
          })),
        );
      }
      pending = failed.map((f) => f.event);
      await delay(100 * 2 ** (attempt - 1));
    }
  }

  private entry(event: DomainEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.eventBusName,
      Source: event.source,
      DetailType: event.detailType,
      Time: new Date(event.time),
      Detail: JSON.stringify(event.detail),
    };
  }
}
