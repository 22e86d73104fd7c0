// The fulfilment task functions as a Task state invokes them: the state's input validated (bad
// input refused as InvalidTaskInput, nothing touched), one domain call, its errors thrown by name.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as cancelOrder } from '../../../services/fulfilment/cancel-order';
import { handler as notifyCustomer } from '../../../services/fulfilment/notify-customer';
import { handler as refundPayment } from '../../../services/fulfilment/refund-payment';
import { handler as shipOrder } from '../../../services/fulfilment/ship-order';
import { handler as takePayment } from '../../../services/fulfilment/take-payment';
import { PostgresFulfilmentStore } from '../../../shared/adapters/postgres/fulfilment-store';
import { PaymentSimulator } from '../../../shared/adapters/simulators/payment-simulator';
import { lambdaContext } from '../../helpers/http-events';
import { anOrder } from '../orders/order-fixtures';

jest.mock('../../../shared/adapters/postgres/fulfilment-store');
jest.mock('../../../shared/adapters/simulators/payment-simulator');

const get = jest.spyOn(PostgresFulfilmentStore.prototype, 'get');
const markPaid = jest.spyOn(PostgresFulfilmentStore.prototype, 'markPaid');
const markShipped = jest.spyOn(PostgresFulfilmentStore.prototype, 'markShipped');
const cancel = jest.spyOn(PostgresFulfilmentStore.prototype, 'cancel');
const charge = jest.spyOn(PaymentSimulator.prototype, 'charge');
const refund = jest.spyOn(PaymentSimulator.prototype, 'refund');
const eventBridge = mockClient(EventBridgeClient);

const { orderId } = anOrder();

beforeEach(() => {
  jest.clearAllMocks();
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });
});

describe.each([
  ['takePayment', takePayment],
  ['shipOrder', shipOrder],
  ['notifyCustomer', notifyCustomer],
  ['refundPayment', refundPayment],
  ['cancelOrder', cancelOrder],
])('%s', (_name, handler) => {
  it.each([{}, { orderId: 'not-a-uuid' }, null, 'text'])('refuses the input %j, touching nothing', async (input) => {
    await expect(handler(input, lambdaContext())).rejects.toMatchObject({
      name: 'InvalidTaskInput',
      message: expect.stringMatching(/^The task's input is refused: /),
    });
    expect(get).not.toHaveBeenCalled();
    expect(refund).not.toHaveBeenCalled();
    expect(cancel).not.toHaveBeenCalled();
  });
});

describe('takePayment', () => {
  it('charges the order and answers the charge', async () => {
    get.mockResolvedValue(anOrder());
    charge.mockResolvedValue({ chargeId: 'ch_1' });
    markPaid.mockResolvedValue(anOrder({ status: 'PAID' }));

    await expect(takePayment({ orderId }, lambdaContext())).resolves.toEqual({ chargeId: 'ch_1', status: 'PAID' });
    expect(charge).toHaveBeenCalledWith({ idempotencyKey: orderId, amountCents: 3400, currency: 'EUR' });
  });
});

describe('shipOrder', () => {
  it('ships a paid order with the simulated carrier', async () => {
    get.mockResolvedValue(anOrder({ status: 'PAID' }));
    markShipped.mockImplementation((id, trackingId) => Promise.resolve(anOrder({ status: 'SHIPPED', trackingId })));

    const { trackingId } = await shipOrder({ orderId }, lambdaContext());

    expect(trackingId).toMatch(/^SIM/);
    expect(markShipped).toHaveBeenCalledWith(orderId, trackingId);
  });
});

describe('notifyCustomer', () => {
  it('puts OrderShipped on the domain event bus', async () => {
    get.mockResolvedValue(anOrder({ status: 'SHIPPED', trackingId: 'SIM1' }));

    await notifyCustomer({ orderId }, lambdaContext());

    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ EventBusName: 'shelf-test-domain-events', DetailType: 'OrderShipped' })],
    });
  });
});

describe('cancelOrder', () => {
  it('needs the caught failure too', async () => {
    await expect(cancelOrder({ orderId }, lambdaContext())).rejects.toMatchObject({
      name: 'InvalidTaskInput',
      message: expect.stringContaining('failure'),
    });
    expect(cancel).not.toHaveBeenCalled();
  });

  it("cancels with the failure's reason", async () => {
    cancel.mockResolvedValue({ order: anOrder({ status: 'CANCELLED', cancellationReason: 'x' }), released: [] });

    await expect(
      cancelOrder({ orderId, failure: { Error: 'PaymentDeclined', Cause: 'declined' } }, lambdaContext()),
    ).resolves.toEqual({ status: 'CANCELLED', released: [], reason: 'x' });
    expect(cancel).toHaveBeenCalledWith(orderId, 'The payment was declined.');
  });
});
