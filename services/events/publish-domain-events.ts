// Every minute (EventBridge schedule, services/events/functions.yml publishDomainEvents): publish
// the domain events still queued in the outbox, those whose writer could not publish them right
// after its commit (EventBridge failing, the function timing out), so no committed order goes
// unannounced for more than a minute or so (shared/events/outbox-publishing.ts).
import { eventBridge } from '../../shared/adapters/eventbridge/client';
import { EventBridgeDomainEventPublisher } from '../../shared/adapters/eventbridge/domain-event-publisher';
import { PostgresDomainEventOutbox } from '../../shared/adapters/postgres/domain-event-outbox';
import { createPool } from '../../shared/adapters/postgres/pool';
import { config } from '../../shared/config';
import { publishQueued } from '../../shared/events/outbox-publishing';
import { logger, metrics, MetricUnit } from '../../shared/observability';
import { scheduled } from '../../shared/triggers/schedule';

const deps = {
  outbox: new PostgresDomainEventOutbox(createPool()),
  publisher: new EventBridgeDomainEventPublisher(eventBridge, config('domainEventBus')),
};

/** Stop taking new batches this long before the timeout, so the one under way can finish. */
const reserveMs = 10_000;

export const handler = scheduled(async (_event, context) => {
  const published = await publishQueued(deps, { shouldStop: () => context.getRemainingTimeInMillis() < reserveMs });
  if (published) logger.info('Domain event outbox drained', { published });
  metrics.addMetric('DomainEventsPublishedLate', MetricUnit.Count, published);
  return { published };
});
