// POST /orders (shopper): reserve stock and create an order for the caller, in one transaction
// that also queues its domain events (OrderPlaced, StockLow) in the outbox; they are published to
// EventBridge right after the commit, or by publishDomainEvents if that fails (docs/events.md).
// With an Idempotency-Key header a retried request returns the first order instead of a second.
import { catalogProjection } from '../../shared/adapters/catalog-projection';
import { retrySafe } from '../../shared/adapters/dynamodb/idempotency';
import { eventBridge } from '../../shared/adapters/eventbridge/client';
import { EventBridgeDomainEventPublisher } from '../../shared/adapters/eventbridge/domain-event-publisher';
import { PostgresDomainEventOutbox } from '../../shared/adapters/postgres/domain-event-outbox';
import { PostgresOrderStore } from '../../shared/adapters/postgres/order-store';
import { createPool } from '../../shared/adapters/postgres/pool';
import { config } from '../../shared/config';
import { httpRoute, validate } from '../../shared/triggers/http-route';
import { created } from '../../shared/http/responses';
import { metrics, MetricUnit } from '../../shared/observability';
import type { OrderCustomer, OrderLineInput } from '../../shared/orders/order';
import { placeOrderBodySchema } from '../../shared/orders/order';
import { idempotencyKeySchema } from '../../shared/orders/order-requests';
import { placeOrder } from '../../shared/orders/order-service';

const pool = createPool();
const deps = {
  orders: new PostgresOrderStore(pool),
  ...catalogProjection(pool),
  events: {
    outbox: new PostgresDomainEventOutbox(pool),
    publisher: new EventBridgeDomainEventPublisher(eventBridge, config('domainEventBus')),
  },
};

const place = (request: { customer: OrderCustomer; lines: OrderLineInput[] }) =>
  placeOrder(deps, request.customer, request.lines);
const placeOnce = retrySafe(config('idempotencyTable'), place);

export const handler = httpRoute(
  { roles: ['shopper'], body: placeOrderBodySchema },
  async ({ body, caller, headers, context }) => {
    const key = validate(idempotencyKeySchema, headers['idempotency-key'], 'Idempotency-Key');
    const customer: OrderCustomer = caller.email ? { id: caller.id, email: caller.email } : { id: caller.id };
    const request = { customer, lines: body.lines };
    const order = key ? await placeOnce({ scope: caller.id, key, payload: request }, context) : await place(request);
    metrics.addMetric('OrderPlaced', MetricUnit.Count, 1);
    return created(order);
  },
);
