// A day of sales as the PostgreSQL adapter reports it, and an empty one.
import type { DaySales } from '../../../shared/reports/sales-report';

export const busyDay: DaySales = {
  currencies: [
    { currency: 'USD', orders: 1, revenueCents: 1_500 },
    { currency: 'EUR', orders: 3, revenueCents: 9_200 },
  ],
  products: [
    { sku: 'MUG-1', name: 'Mug', category: 'tableware', currency: 'EUR', orders: 2, units: 4, revenueCents: 4_000 },
    {
      sku: 'KETTLE-1',
      name: 'Kettle, "steel"',
      category: 'kitchen',
      currency: 'EUR',
      orders: 1,
      units: 1,
      revenueCents: 4_200,
    },
    {
      sku: 'BOWL-1',
      name: 'Bowl <b>',
      category: 'tableware',
      currency: 'EUR',
      orders: 1,
      units: 2,
      revenueCents: 1_000,
    },
    { sku: 'MUG-1', name: 'Mug', category: 'tableware', currency: 'USD', orders: 1, units: 3, revenueCents: 1_500 },
  ],
  stockOuts: { count: 1, items: [{ sku: 'LAMP-1', name: 'Lamp', category: 'lighting' }] },
};

export const quietDay: DaySales = { currencies: [], products: [], stockOuts: { count: 0, items: [] } };
