/**
 * "My orders": the caller's orders, newest first, a page at a time. An order still on its way
 * (PLACED, PAID) is read again every few seconds, so the shopper watches the fulfilment move it to
 * SHIPPED, with its tracking id, or to CANCELLED, with the reason.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Order } from '../../../shared/orders/order';
import { session } from '../auth';
import { useShop } from '../context';
import { formatDateTime, formatMoney } from '../format';
import { useLocation } from '../router';
import { useStore } from '../store';
import { ErrorMessage, Loading, LoadMore, LocalMailboxLink, PageTitle, usePaged } from '../ui';

export function OrdersPage() {
  const { api, config } = useShop();
  const user = useStore(session);
  const placed = useLocation().query.get('placed');
  const list = usePaged((cursor?: string) => api.listOrders(cursor), [api]);
  const { items: listed, state, error } = list;
  const orders = useFollowed(listed, api.getOrder);

  return (
    <section>
      <PageTitle>My orders</PageTitle>
      {placed && (
        <p class="notice success" role="status">
          Thank you: your order is placed. Its confirmation is on its way to {user?.email ?? 'you'}
          <LocalMailboxLink mailbox={config.mailbox} />.
        </p>
      )}
      {error !== undefined && <ErrorMessage error={error} retry={list.reload} />}
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
              {order.trackingId && (
                <p class="tracking">
                  Shipped: tracking id <span class="tracking-id">{order.trackingId}</span>
                </p>
              )}
              {order.cancellationReason && <p class="cancellation">Cancelled: {order.cancellationReason}</p>}
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
      <LoadMore paged={list} />
    </section>
  );
}

/** How often an order on its way is read again. */
const followEveryMs = 2000;
const onItsWay = (order: Order) => order.status === 'PLACED' || order.status === 'PAID';

/** The orders, each one on its way replaced by its latest state until it is SHIPPED or CANCELLED. */
function useFollowed(orders: Order[], getOrder: (orderId: string) => Promise<Order>): Order[] {
  const [latest, setLatest] = useState<Record<string, Order>>({});
  const shown = orders.map((order) => latest[order.orderId] ?? order);
  const following = shown.filter(onItsWay).map((order) => order.orderId);
  const key = following.join(',');
  useEffect(() => {
    if (!following.length) return;
    const timer = setTimeout(() => {
      void Promise.all(following.map((orderId) => getOrder(orderId).catch(() => undefined))).then((read) =>
        setLatest((before) => ({
          ...before,
          ...Object.fromEntries(read.flatMap((order) => (order ? [[order.orderId, order]] : []))),
        })),
      );
    }, followEveryMs);
    return () => clearTimeout(timer);
  }, [key, latest]);
  return shown;
}
