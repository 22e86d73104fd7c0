/** "My orders": the caller's orders, newest first, a page at a time. */
import { useEffect, useState } from 'preact/hooks';
import type { Order } from '../api';
import { useShop } from '../context';
import { formatDateTime, formatMoney } from '../format';
import { useLocation } from '../router';
import { ErrorMessage, Loading, PageTitle } from '../ui';

export function OrdersPage() {
  const { api } = useShop();
  const placed = useLocation().query.get('placed');
  const [orders, setOrders] = useState<Order[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<'loading' | 'idle' | 'more'>('loading');
  const [error, setError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let current = true;
    setState('loading');
    setError(undefined);
    api.listOrders().then(
      (page) => {
        if (!current) return;
        setOrders(page.items);
        setCursor(page.nextCursor);
        setState('idle');
      },
      (failure: unknown) => {
        if (!current) return;
        setError(failure);
        setState('idle');
      },
    );
    return () => {
      current = false;
    };
  }, [api, generation]);

  async function loadMore() {
    if (!cursor) return;
    setState('more');
    try {
      const page = await api.listOrders(cursor);
      setOrders((existing) => [...existing, ...page.items]);
      setCursor(page.nextCursor);
    } catch (failure) {
      setError(failure);
    } finally {
      setState('idle');
    }
  }

  return (
    <section>
      <PageTitle>My orders</PageTitle>
      {placed && (
        <p class="notice success" role="status">
          Thank you: your order is placed.
        </p>
      )}
      {error !== undefined && <ErrorMessage error={error} retry={() => setGeneration((g) => g + 1)} />}
      {state === 'loading' && <Loading what="your orders" />}
      {state !== 'loading' && error === undefined && orders.length === 0 && (
        <p class="empty">
          You have not ordered anything yet. <a href="/">Browse the catalog</a>
        </p>
      )}
      {state !== 'loading' && orders.length > 0 && (
        <ol class="orders" aria-label="Orders, newest first">
          {orders.map((order) => (
            <li key={order.orderId} class={order.orderId === placed ? 'card order just-placed' : 'card order'}>
              <h2>
                Order <span class="order-id">{order.orderId}</span>
              </h2>
              <p class="meta">
                {formatDateTime(order.createdAt)} · <span class="status">{order.status}</span> ·{' '}
                <strong>{formatMoney(order.totalCents, order.currency)}</strong>
              </p>
              <ul class="order-lines">
                {order.lines.map((line) => (
                  <li key={line.sku}>
                    {line.quantity} × {line.name} ({line.sku}) — {formatMoney(line.lineTotalCents, order.currency)}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      )}
      {cursor && state !== 'loading' && (
        <button type="button" class="secondary" onClick={() => void loadMore()} disabled={state === 'more'}>
          {state === 'more' ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
