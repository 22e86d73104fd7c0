// Order fulfilment, step 3 (state NotifyCustomer): announce OrderShipped on the shop's bus, whose
// rule sends it to the order-notifications topic (infra/resources/events.yml).
import { eventBridge } from '../../shared/adapters/eventbridge/client';
import { EventBridgeDomainEventPublisher } from '../../shared/adapters/eventbridge/domain-event-publisher';
import { createPool } from '../../shared/adapters/postgres/pool';
import { PostgresFulfilmentStore } from '../../shared/adapters/postgres/fulfilment-store';
import { config } from '../../shared/config';
import { fulfilmentTaskInput } from '../../shared/fulfilment/fulfilment';
import { notifyShipped } from '../../shared/fulfilment/fulfilment-service';
import { stateMachineTask } from '../../shared/triggers/state-machine-task';

const deps = {
  orders: new PostgresFulfilmentStore(createPool()),
  publisher: new EventBridgeDomainEventPublisher(eventBridge, config('domainEventBus')),
};

export const handler = stateMachineTask(fulfilmentTaskInput, ({ orderId }) => notifyShipped(deps, orderId));
