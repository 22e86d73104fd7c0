// Order fulfilment, step 2 (state ShipOrder): hand the paid order to the carrier, once per order,
// and mark it SHIPPED with the tracking id.
import { createPool } from '../../shared/adapters/postgres/pool';
import { PostgresFulfilmentStore } from '../../shared/adapters/postgres/fulfilment-store';
import { ShippingSimulator } from '../../shared/adapters/simulators/shipping-simulator';
import { config } from '../../shared/config';
import { fulfilmentTaskInput } from '../../shared/fulfilment/fulfilment';
import { shipOrder } from '../../shared/fulfilment/fulfilment-service';
import { stateMachineTask } from '../../shared/triggers/state-machine-task';

const deps = { orders: new PostgresFulfilmentStore(createPool()), shipper: new ShippingSimulator(config('stage')) };

export const handler = stateMachineTask(fulfilmentTaskInput, ({ orderId }) => shipOrder(deps, orderId));
