/** The cart and checkout: POST /orders with an Idempotency-Key, so a retried click orders once. */
import { useMemo, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { session } from '../auth';
import { cart, cartTotals, setQuantity } from '../cart';
import { useShop } from '../context';
import { formatMoney } from '../format';
import { navigate } from '../router';
import { useStore } from '../store';
import type { Shortage } from '../../../shared/errors';
import { ErrorMessage, PageTitle } from '../ui';

export function CartPage() {
  const { api } = useShop();
  const lines = useStore(cart);
  const user = useStore(session);
  const [placing, setPlacing] = useState(false);
  const [error, setError] = useState<unknown>();
  // One key per cart content: retrying the same cart (a timeout, a double click) cannot order
  // twice; changing the cart is a new order.
  const idempotencyKey = useMemo(() => crypto.randomUUID(), [JSON.stringify(lines)]);

  async function placeOrder() {
    setPlacing(true);
    setError(undefined);
    try {
      const order = await api.placeOrder(
        lines.map(({ sku, quantity }) => ({ sku, quantity })),
        idempotencyKey,
      );
      cart.set([]);
      navigate(`/orders?placed=${encodeURIComponent(order.orderId)}`);
    } catch (failure) {
      setError(failure);
    } finally {
      setPlacing(false);
    }
  }

  if (lines.length === 0)
    return (
      <section>
        <PageTitle>Your cart</PageTitle>
        <p class="empty">
          Your cart is empty. <a href="/">Browse the catalog</a>
        </p>
      </section>
    );

  // 409 OUT_OF_STOCK names every short line: {shortages: [{sku, requested, available}]}.
  const shortages = new Map(
    (error instanceof ApiError && error.code === 'OUT_OF_STOCK'
      ? ((error.details as { shortages?: Shortage[] } | null)?.shortages ?? [])
      : []
    ).map((s) => [s.sku, s]),
  );

  return (
    <section>
      <PageTitle>Your cart</PageTitle>
      <table class="lines">
        <caption class="visually-hidden">Products in your cart</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Price</th>
            <th scope="col">Quantity</th>
            <th scope="col">Total</th>
            <th scope="col">
              <span class="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr key={line.sku} class={shortages.has(line.sku) ? 'short' : undefined}>
              <th scope="row">
                <a href={`/products/${encodeURIComponent(line.sku)}`}>{line.name}</a>
                {shortages.has(line.sku) && (
                  <span class="problem">
                    {' '}
                    {shortages.get(line.sku)!.available === 0
                      ? 'Sold out'
                      : `Only ${shortages.get(line.sku)!.available} left`}
                  </span>
                )}
              </th>
              <td>{formatMoney(line.priceCents, line.currency)}</td>
              <td>
                <label class="visually-hidden" for={`qty-${line.sku}`}>
                  Quantity of {line.name}
                </label>
                <input
                  id={`qty-${line.sku}`}
                  type="number"
                  min={0}
                  max={1000}
                  value={line.quantity}
                  onChange={(event) => setQuantity(line.sku, Math.floor(Number(event.currentTarget.value) || 0))}
                />
              </td>
              <td>{formatMoney(line.priceCents * line.quantity, line.currency)}</td>
              <td>
                <button type="button" class="link-button" onClick={() => setQuantity(line.sku, 0)}>
                  Remove<span class="visually-hidden"> {line.name}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="total">
        Total:{' '}
        {cartTotals(lines)
          .map((t) => formatMoney(t.cents, t.currency))
          .join(' + ')}
      </p>
      {error !== undefined && <ErrorMessage error={error} />}
      {user ? (
        user.role === 'shopper' ? (
          <button type="button" onClick={() => void placeOrder()} disabled={placing}>
            {placing ? 'Placing your order…' : 'Place order'}
          </button>
        ) : (
          <p class="hint">Orders are placed by shopper accounts; you are signed in as {user.role}.</p>
        )
      ) : (
        <p>
          <a href="/sign-in?returnTo=%2Fcart">Sign in</a> to place your order.
        </p>
      )}
    </section>
  );
}
