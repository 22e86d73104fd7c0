// Order fulfilment, step 1 (state TakePayment, infra/workflows/order-fulfilment.asl.yml): charge
// the order's total, once per order, and mark it PAID.
import { createPool } from '../../shared/adapters/postgres/pool';
import { PostgresFulfilmentStore } from '../../shared/adapters/postgres/fulfilment-store';
import { PaymentSimulator } from '../../shared/adapters/simulators/payment-simulator';
import { config } from '../../shared/config';
import { fulfilmentTaskInput } from '../../shared/fulfilment/fulfilment';
import { takePayment } from '../../shared/fulfilment/fulfilment-service';
import { stateMachineTask } from '../../shared/triggers/state-machine-task';

const pool = createPool();
const deps = { orders: new PostgresFulfilmentStore(pool), payments: new PaymentSimulator(pool, config('stage')) };

export const handler = stateMachineTask(fulfilmentTaskInput, ({ orderId }) => takePayment(deps, orderId));
