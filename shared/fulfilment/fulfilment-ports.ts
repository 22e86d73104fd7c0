/** Ports of order fulfilment: the payment provider, the carrier and the order's status. */
import type { Order } from '../orders/order';

export interface ChargeRequest {
  /** The order id: the provider charges once per key, whatever repeats the request. */
  idempotencyKey: string;
  amountCents: number;
  currency: string;
}

export interface PaymentProvider {
  /**
   * Charges once per idempotency key and answers the same charge to a repeat. Throws
   * PaymentDeclinedError (for good) or PaymentProviderUnavailableError (passes).
   */
  charge(request: ChargeRequest): Promise<{ chargeId: string }>;
  /** Refunds the key's charge once; false when there is no charge, or it was refunded before. */
  refund(idempotencyKey: string): Promise<boolean>;
}

export interface Shipment {
  trackingId: string;
}

export interface Shipper {
  /**
   * Hands the order to the carrier, once per order: a repeat answers the same tracking id.
   * Throws ShipmentRefusedError (for good) or CarrierUnavailableError (passes).
   */
  ship(order: Order): Promise<Shipment>;
}

/** The order's status transitions, each guarded by the status it starts from (idempotent). */
export interface FulfilmentStore {
  get(orderId: string): Promise<Order | undefined>;
  /** PLACED → PAID with the charge; an order already PAID or SHIPPED is returned as it is. */
  markPaid(orderId: string, chargeId: string): Promise<Order>;
  /** PAID → SHIPPED with the tracking id; an order already SHIPPED is returned as it is. */
  markShipped(orderId: string, trackingId: string): Promise<Order>;
  /**
   * PLACED or PAID → CANCELLED with the reason, and the order's stock put back, in one
   * transaction. An order already CANCELLED is returned as it is, its stock not put back again.
   * `released` names the SKUs whose stock came back now (none on a repeat).
   */
  cancel(orderId: string, reason: string): Promise<{ order: Order; released: string[] }>;
}
