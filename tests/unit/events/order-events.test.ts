// OrderPlaced and StockLow (shared/events/): versioned details validated by their schemas, with ids
// that are the same for the same fact, so a consumer recognises a repeat.
import { orderPlaced, orderPlacedSchema } from '../../../shared/events/order-placed';
import { fallsBelowThreshold, stockLow } from '../../../shared/events/stock-low';

const order = {
  orderId: '0f8fad5b-d9cb-469f-a165-70867728950e',
  customer: { id: 'shopper-1', email: 'sam@example.com' },
  lines: [{ sku: 'TEA-SENCHA', name: 'Sencha', quantity: 2, unitPriceCents: 1200, lineTotalCents: 2400 }],
  totalCents: 2400,
  currency: 'EUR',
  placedAt: '2026-12-01T10:00:00.000Z',
};

describe('OrderPlaced', () => {
  it('is published by shelf.orders at the time the order was placed, as version 1', () => {
    const event = orderPlaced(order);

    expect(event).toEqual({
      source: 'shelf.orders',
      detailType: 'OrderPlaced',
      time: '2026-12-01T10:00:00.000Z',
      detail: { eventId: expect.any(String), eventVersion: 1, ...order },
    });
  });

  it('has one id per order, however often it is made', () => {
    expect(orderPlaced(order).detail.eventId).toBe(orderPlaced({ ...order }).detail.eventId);
    expect(orderPlaced(order).detail.eventId).not.toBe(
      orderPlaced({ ...order, orderId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' }).detail.eventId,
    );
  });

  it('carries no address when the token had none', () => {
    expect(orderPlaced({ ...order, customer: { id: 'shopper-1', email: null } }).detail.customer.email).toBeNull();
  });

  it('refuses a detail its schema does not allow (no lines, an unknown field)', () => {
    expect(() => orderPlaced({ ...order, lines: [] })).toThrow(/lines/);
    const detail = { ...orderPlaced(order).detail, discount: 5 };
    expect(orderPlacedSchema.safeParse(detail).success).toBe(false);
  });
});

describe('StockLow', () => {
  const fact = {
    sku: 'TEA-SENCHA',
    name: 'Sencha',
    category: 'tea',
    stock: 3,
    threshold: 5,
    orderId: order.orderId,
    occurredAt: order.placedAt,
  };

  it('names the product, its category (for SNS filter policies), what is left and the threshold', () => {
    expect(stockLow(fact)).toEqual({
      source: 'shelf.orders',
      detailType: 'StockLow',
      time: '2026-12-01T10:00:00.000Z',
      detail: { eventId: expect.any(String), eventVersion: 1, ...fact },
    });
  });

  it('has one id per product and order', () => {
    expect(stockLow(fact).detail.eventId).toBe(stockLow({ ...fact }).detail.eventId);
    expect(stockLow(fact).detail.eventId).not.toBe(stockLow({ ...fact, sku: 'MUG-1' }).detail.eventId);
  });
});

describe('fallsBelowThreshold: one alert per crossing', () => {
  it.each([
    [6, 2, 5, true, 'from above to below'],
    [5, 1, 5, true, 'from the threshold itself to below'],
    [6, 1, 5, false, 'down to the threshold, not below it'],
    [4, 1, 5, false, 'already below: no new crossing'],
    [1, 1, 0, false, 'a threshold of 0: never'],
  ])('%i units, %i taken, threshold %i: %s (%s)', (before, taken, threshold, crosses) => {
    expect(fallsBelowThreshold(before, taken, threshold)).toBe(crosses);
  });
});
