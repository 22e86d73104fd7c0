/** In-memory fulfilment ports with the PostgreSQL adapters' guards, for the domain tests. */
import { OrderNotFulfillableError } from '../../../shared/fulfilment/fulfilment';
import type { FulfilmentStore, PaymentProvider, Shipper } from '../../../shared/fulfilment/fulfilment-ports';
import type { Order } from '../../../shared/orders/order';

export class FakeFulfilmentStore implements FulfilmentStore {
  readonly orders = new Map<string, Order>();
  /** Units put back per SKU. */
  readonly restocked = new Map<string, number>();

  constructor(...orders: Order[]) {
    for (const order of orders) this.orders.set(order.orderId, { ...order });
  }

  private existing(orderId: string): Order {
    const order = this.orders.get(orderId);
    if (!order) throw new OrderNotFulfillableError(`Order ${orderId} does not exist`);
    return order;
  }

  get(orderId: string) {
    return Promise.resolve(this.orders.get(orderId));
  }

  markPaid(orderId: string) {
    const order = this.existing(orderId);
    if (order.status === 'PLACED') order.status = 'PAID';
    if (order.status === 'CANCELLED') return Promise.reject(new OrderNotFulfillableError('cancelled'));
    return Promise.resolve(order);
  }

  markShipped(orderId: string, trackingId: string) {
    const order = this.existing(orderId);
    if (order.status === 'PAID') Object.assign(order, { status: 'SHIPPED', trackingId });
    if (order.status !== 'SHIPPED') return Promise.reject(new OrderNotFulfillableError(order.status));
    return Promise.resolve(order);
  }

  cancel(orderId: string, reason: string) {
    const order = this.existing(orderId);
    if (order.status === 'SHIPPED') return Promise.reject(new OrderNotFulfillableError('shipped'));
    if (order.status === 'CANCELLED') return Promise.resolve({ order, released: [] });
    Object.assign(order, { status: 'CANCELLED', cancellationReason: reason });
    for (const line of order.lines) this.restocked.set(line.sku, (this.restocked.get(line.sku) ?? 0) + line.quantity);
    return Promise.resolve({ order, released: order.lines.map((l) => l.sku).sort() });
  }
}

/** Charges once per key; fails as told first. */
export class FakePaymentProvider implements PaymentProvider {
  readonly charges = new Map<string, { chargeId: string; refunded: boolean }>();
  readonly failures: Error[] = [];
  refunds = 0;

  charge({ idempotencyKey }: { idempotencyKey: string }) {
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    const charge = this.charges.get(idempotencyKey) ?? { chargeId: `ch_${this.charges.size + 1}`, refunded: false };
    this.charges.set(idempotencyKey, charge);
    return Promise.resolve({ chargeId: charge.chargeId });
  }

  refund(idempotencyKey: string) {
    const charge = this.charges.get(idempotencyKey);
    if (!charge || charge.refunded) return Promise.resolve(false);
    charge.refunded = true;
    this.refunds += 1;
    return Promise.resolve(true);
  }
}

export class FakeShipper implements Shipper {
  shipped = 0;
  readonly failures: Error[] = [];

  ship(order: Order) {
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    this.shipped += 1;
    return Promise.resolve({ trackingId: `TRACK-${order.orderId.slice(0, 8)}` });
  }
}
