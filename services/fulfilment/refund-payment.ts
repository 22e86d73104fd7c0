// Order fulfilment, compensation 1 (state RefundPayment): refund the order's charge, if any, once.
import { createPool } from '../../shared/adapters/postgres/pool';
import { PaymentSimulator } from '../../shared/adapters/simulators/payment-simulator';
import { config } from '../../shared/config';
import { fulfilmentTaskInput } from '../../shared/fulfilment/fulfilment';
import { refundPayment } from '../../shared/fulfilment/fulfilment-service';
import { stateMachineTask } from '../../shared/triggers/state-machine-task';

const deps = { payments: new PaymentSimulator(createPool(), config('stage')) };

export const handler = stateMachineTask(fulfilmentTaskInput, ({ orderId }) => refundPayment(deps, orderId));
