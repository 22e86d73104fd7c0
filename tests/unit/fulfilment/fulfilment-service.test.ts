// The fulfilment steps over in-memory ports: each moves the order once, a repeat changes nothing,
// and the compensation refunds and puts stock back once.
import {
  cancelOrder,
  notifyShipped,
  refundPayment,
  shipOrder,
  takePayment,
} from '../../../shared/fulfilment/fulfilment-service';
import {
  cancellationReason,
  OrderNotFulfillableError,
  PaymentDeclinedError,
  ShipmentRefusedError,
} from '../../../shared/fulfilment/fulfilment';
import type { DomainEvent } from '../../../shared/events/domain-event';
import type { ProjectionDeps } from '../../../shared/catalog/catalog-projection';
import { anOrder } from '../orders/order-fixtures';
import { FakeFulfilmentStore, FakePaymentProvider, FakeShipper } from './fulfilment-fakes';

const orderId = anOrder().orderId;

function setUp(overrides: Parameters<typeof anOrder>[0] = {}) {
  const orders = new FakeFulfilmentStore(anOrder(overrides));
  const payments = new FakePaymentProvider();
  const shipper = new FakeShipper();
  const published: DomainEvent[] = [];
  const publisher = { publish: (events: readonly DomainEvent[]) => (published.push(...events), Promise.resolve()) };
  const projected: string[][] = [];
  const projection: ProjectionDeps = {
    outbox: {
      drain: jest.fn(async (apply, { skus = [] } = {}) => {
        projected.push([...skus]);
        await apply([]);
        return skus.length;
      }),
    } as unknown as ProjectionDeps['outbox'],
    catalog: { apply: jest.fn(() => Promise.resolve()) } as unknown as ProjectionDeps['catalog'],
  };
  return { orders, payments, shipper, publisher, published, projection, projected };
}

describe('takePayment', () => {
  it('charges the total once and marks the order PAID, however often it runs', async () => {
    const { orders, payments } = setUp();

    const first = await takePayment({ orders, payments }, orderId);
    const again = await takePayment({ orders, payments }, orderId);

    expect(first).toEqual({ chargeId: 'ch_1', status: 'PAID' });
    expect(again).toEqual(first);
    expect(payments.charges.size).toBe(1);
    expect(orders.orders.get(orderId)!.status).toBe('PAID');
  });

  it('lets a decline through, by its name, and leaves the order PLACED', async () => {
    const { orders, payments } = setUp();
    payments.failures.push(new PaymentDeclinedError('declined'));

    await expect(takePayment({ orders, payments }, orderId)).rejects.toMatchObject({ name: 'PaymentDeclined' });
    expect(orders.orders.get(orderId)!.status).toBe('PLACED');
  });

  it('refuses to charge a cancelled order, or one that does not exist', async () => {
    const { orders, payments } = setUp({ status: 'CANCELLED' });

    await expect(takePayment({ orders, payments }, orderId)).rejects.toBeInstanceOf(OrderNotFulfillableError);
    await expect(takePayment({ orders, payments }, '6f1d2b1e-52a8-4a38-9a7e-2d9b1c0c0a11')).rejects.toMatchObject({
      name: 'OrderNotFulfillable',
    });
    expect(payments.charges.size).toBe(0);
  });
});

describe('shipOrder', () => {
  it('ships a paid order once and keeps its tracking id', async () => {
    const { orders, shipper } = setUp({ status: 'PAID' });

    const shipped = await shipOrder({ orders, shipper }, orderId);
    const again = await shipOrder({ orders, shipper }, orderId);

    expect(shipped).toEqual({ trackingId: 'TRACK-0f8fad5b' });
    expect(again).toEqual(shipped);
    expect(shipper.shipped).toBe(1);
    expect(orders.orders.get(orderId)).toMatchObject({ status: 'SHIPPED', trackingId: 'TRACK-0f8fad5b' });
  });

  it('does not ship an order that is not paid', async () => {
    const { orders, shipper } = setUp();

    await expect(shipOrder({ orders, shipper }, orderId)).rejects.toBeInstanceOf(OrderNotFulfillableError);
    expect(shipper.shipped).toBe(0);
  });

  it("lets the carrier's refusal through, the order still PAID", async () => {
    const { orders, shipper } = setUp({ status: 'PAID' });
    shipper.failures.push(new ShipmentRefusedError('refused'));

    await expect(shipOrder({ orders, shipper }, orderId)).rejects.toMatchObject({ name: 'ShipmentRefused' });
    expect(orders.orders.get(orderId)!.status).toBe('PAID');
  });
});

describe('notifyShipped', () => {
  it('publishes OrderShipped with the same event id every time', async () => {
    const { orders, publisher, published } = setUp({ status: 'SHIPPED', trackingId: 'TRACK-1' });
    const now = () => new Date('2026-12-03T08:00:00.000Z');

    await notifyShipped({ orders, publisher, now }, orderId);
    await notifyShipped({ orders, publisher, now }, orderId);

    expect(published).toHaveLength(2);
    expect(published[0]).toEqual({
      source: 'shelf.orders',
      detailType: 'OrderShipped',
      time: '2026-12-03T08:00:00.000Z',
      detail: expect.objectContaining({ orderId, trackingId: 'TRACK-1', totalCents: 3400, currency: 'EUR' }),
    });
    expect(published[1]!.detail.eventId).toBe(published[0]!.detail.eventId);
  });

  it('announces nothing for an order that has not shipped', async () => {
    const { orders, publisher, published } = setUp({ status: 'PAID' });

    await expect(notifyShipped({ orders, publisher }, orderId)).rejects.toBeInstanceOf(OrderNotFulfillableError);
    expect(published).toEqual([]);
  });
});

describe('the compensation', () => {
  it('refunds a charge once, and answers false when there is nothing to refund', async () => {
    const { orders, payments } = setUp();
    await takePayment({ orders, payments }, orderId);

    await expect(refundPayment({ payments }, orderId)).resolves.toEqual({ refunded: true });
    await expect(refundPayment({ payments }, orderId)).resolves.toEqual({ refunded: false });
    expect(payments.refunds).toBe(1);
  });

  it('cancels with the reason and puts the stock back once, projecting it', async () => {
    const { orders, projection, projected } = setUp({ status: 'PAID' });
    const failure = { Error: 'ShipmentRefused', Cause: 'refused' };

    const first = await cancelOrder({ ...projection, orders }, orderId, failure);
    const again = await cancelOrder({ ...projection, orders }, orderId, failure);

    expect(first).toEqual({
      status: 'CANCELLED',
      released: ['MUG-1', 'TEA-SENCHA'],
      reason: 'The carrier could not take the parcel; the payment was refunded.',
    });
    expect(again.released).toEqual([]);
    expect(Object.fromEntries(orders.restocked)).toEqual({ 'TEA-SENCHA': 2, 'MUG-1': 1 });
    expect(projected).toEqual([['MUG-1', 'TEA-SENCHA']]);
  });

  it('never cancels a shipped order', async () => {
    const { orders, projection } = setUp({ status: 'SHIPPED', trackingId: 'T' });

    await expect(cancelOrder({ ...projection, orders }, orderId, { Error: 'X' })).rejects.toBeInstanceOf(
      OrderNotFulfillableError,
    );
    expect(orders.restocked.size).toBe(0);
  });
});

describe('cancellationReason', () => {
  it.each([
    ['PaymentDeclined', 'The payment was declined.'],
    ['States.Timeout', 'The order could not be fulfilled (States.Timeout); any payment was refunded.'],
  ])('says %s as %j', (error, reason) => {
    expect(cancellationReason({ Error: error })).toBe(reason);
  });
});
