// GET /orders/{orderId} (owner or admin): one order with its lines.
import { PostgresOrderStore } from '../../shared/adapters/postgres/order-store';
import { createPool } from '../../shared/adapters/postgres/pool';
import { httpRoute } from '../../shared/triggers/http-route';
import { ok } from '../../shared/http/responses';
import { orderIdPath } from '../../shared/orders/order-requests';
import { getOrder } from '../../shared/orders/order-service';

const orders = new PostgresOrderStore(createPool());

export const handler = httpRoute({ roles: ['shopper', 'admin'], path: orderIdPath }, async ({ path, caller }) =>
  ok(await getOrder(orders, caller, path.orderId)),
);
