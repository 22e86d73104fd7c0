/** The cart lives in this browser (localStorage) until the order is placed. */
import type { Product } from './api';
import { trackClick } from './clickstream';
import { createStore, readStored, writeStored } from './store';

export interface CartLine {
  sku: string;
  name: string;
  priceCents: number;
  currency: string;
  quantity: number;
}

const cartKey = 'shelf.cart';
const isCart = (value: unknown): value is CartLine[] => Array.isArray(value);

export const cart = createStore<CartLine[]>(readStored(localStorage, cartKey, isCart) ?? [], (lines) =>
  writeStored(localStorage, cartKey, lines),
);

export function addToCart(product: Product, quantity: number): void {
  trackClick('add-to-cart', product.sku);
  const lines = cart.get();
  const existing = lines.find((line) => line.sku === product.sku);
  cart.set(
    existing
      ? lines.map((line) => (line.sku === product.sku ? { ...line, quantity: line.quantity + quantity } : line))
      : [
          ...lines,
          {
            sku: product.sku,
            name: product.name,
            priceCents: product.priceCents,
            currency: product.currency,
            quantity,
          },
        ],
  );
}

export function setQuantity(sku: string, quantity: number): void {
  cart.set(
    quantity <= 0
      ? cart.get().filter((line) => line.sku !== sku)
      : cart.get().map((line) => (line.sku === sku ? { ...line, quantity } : line)),
  );
}

/** Totals per currency: a cart may mix them, an order is priced by the API. */
export function cartTotals(lines: CartLine[]): { currency: string; cents: number }[] {
  const totals = new Map<string, number>();
  for (const line of lines)
    totals.set(line.currency, (totals.get(line.currency) ?? 0) + line.priceCents * line.quantity);
  return [...totals].map(([currency, cents]) => ({ currency, cents }));
}
