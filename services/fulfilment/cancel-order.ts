// Order fulfilment, compensation 2 (state CancelOrder): put the order's stock back and mark it
// CANCELLED with the reason, in one transaction, once; the stock is projected into the catalog.
import { catalogProjection } from '../../shared/adapters/catalog-projection';
import { createPool } from '../../shared/adapters/postgres/pool';
import { PostgresFulfilmentStore } from '../../shared/adapters/postgres/fulfilment-store';
import { cancelTaskInput } from '../../shared/fulfilment/fulfilment';
import { cancelOrder } from '../../shared/fulfilment/fulfilment-service';
import { stateMachineTask } from '../../shared/triggers/state-machine-task';

const pool = createPool();
const deps = { orders: new PostgresFulfilmentStore(pool), ...catalogProjection(pool) };

export const handler = stateMachineTask(cancelTaskInput, ({ orderId, failure }) => cancelOrder(deps, orderId, failure));
