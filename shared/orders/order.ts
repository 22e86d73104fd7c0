/** What an order is, and the rules an order request follows. */
import * as z from '../zod';
import { skuSchema } from '../catalog/product';

export const orderLineInputSchema = z.strictObject({
  sku: skuSchema,
  quantity: z.number().check(z.int(), z.minimum(1), z.maximum(1000)),
});

export const placeOrderBodySchema = z.strictObject({
  lines: z.array(orderLineInputSchema).check(
    z.minLength(1),
    z.maxLength(50),
    z.refine((lines) => new Set(lines.map((l) => l.sku)).size === lines.length, 'must not repeat a SKU'),
  ),
});

export type OrderLineInput = z.infer<typeof orderLineInputSchema>;

/**
 * PLACED (stock reserved) → PAID → SHIPPED, or CANCELLED with a reason and the stock put back: the
 * order fulfilment state machine moves it (shared/fulfilment/, docs/architecture.md).
 */
export type OrderStatus = 'PLACED' | 'PAID' | 'SHIPPED' | 'CANCELLED';

/** Who places an order: the caller, and where their confirmation goes (their token's e-mail). */
export interface OrderCustomer {
  id: string;
  email?: string;
}

export interface OrderLine {
  sku: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
}

export interface Order {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  lines: OrderLine[];
  createdAt: string;
  /** The carrier's tracking id, once SHIPPED. */
  trackingId: string | null;
  /** Why it was CANCELLED, for the shopper. */
  cancellationReason: string | null;
}

export interface OrderPage {
  items: Order[];
  nextCursor: string | null;
}
