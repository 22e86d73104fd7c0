/**
 * A simulated carrier (the Shipper port), for every stage but production. The tracking id is
 * derived from the order id, so shipping an order again answers the same parcel. Like the payment
 * simulator it decides by the amount: a total whose cents end in 99 is refused by the carrier
 * after the payment was taken, which forces the refund path (docs/labs/17-step-functions-fulfilment.md).
 */
import { createHash } from 'node:crypto';
import { ShipmentRefusedError } from '../../fulfilment/fulfilment';
import type { Shipment, Shipper } from '../../fulfilment/fulfilment-ports';
import type { Order } from '../../orders/order';

export const refusedShipmentCents = 99;

export class ShippingSimulator implements Shipper {
  constructor(stage: string) {
    if (stage === 'prod') throw new Error('The shipping simulator does not run on stage prod');
  }

  ship(order: Order): Promise<Shipment> {
    if (order.totalCents % 100 === refusedShipmentCents) {
      return Promise.reject(
        new ShipmentRefusedError(
          `The carrier refused the parcel (simulated: the total's cents end in ${refusedShipmentCents})`,
        ),
      );
    }
    const digest = createHash('sha256').update(order.orderId).digest('hex').slice(0, 12).toUpperCase();
    return Promise.resolve({ trackingId: `SIM${digest}` });
  }
}
