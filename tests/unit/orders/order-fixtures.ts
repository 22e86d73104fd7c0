/** Orders the order tests share: what a store returns after placing or reading an order. */
import type { Order } from '../../../shared/orders/order';
import type { Product } from '../../../shared/catalog/product';

export const shopperSub = 'shopper-1';
export const otherShopperSub = 'shopper-2';
export const adminSub = 'admin-1';

export function anOrder(overrides: Partial<Order> = {}): Order {
  return {
    orderId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    customerId: shopperSub,
    status: 'PLACED',
    totalCents: 3400,
    currency: 'EUR',
    lines: [
      { sku: 'TEA-SENCHA', name: 'Sencha', quantity: 2, unitPriceCents: 1200, lineTotalCents: 2400 },
      { sku: 'MUG-1', name: 'Mug', quantity: 1, unitPriceCents: 1000, lineTotalCents: 1000 },
    ],
    createdAt: '2026-11-28T10:00:00.000Z',
    trackingId: null,
    cancellationReason: null,
    ...overrides,
  };
}

/** The ordered products as PostgreSQL holds them after anOrder(): their stock taken, their version raised. */
export const productsAfterOrder: Product[] = [
  {
    sku: 'TEA-SENCHA',
    name: 'Sencha',
    description: '',
    category: 'tea',
    priceCents: 1200,
    currency: 'EUR',
    stock: 23,
    version: 5,
    updatedAt: '2026-11-28T10:00:00.000Z',
  },
  {
    sku: 'MUG-1',
    name: 'Mug',
    description: '',
    category: 'tableware',
    priceCents: 1000,
    currency: 'EUR',
    stock: 9,
    version: 2,
    updatedAt: '2026-11-28T10:00:00.000Z',
  },
];

/** The request body that produces anOrder(). */
export const orderLines = [
  { sku: 'TEA-SENCHA', quantity: 2 },
  { sku: 'MUG-1', quantity: 1 },
];
