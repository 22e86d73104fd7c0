// GET /orders?limit=&cursor= (signed in): the caller's own orders, newest first.
import { PostgresOrderStore } from '../../shared/adapters/postgres/order-store';
import { createPool } from '../../shared/adapters/postgres/pool';
import { httpRoute } from '../../shared/triggers/http-route';
import { ok } from '../../shared/http/responses';
import { myOrdersQuery } from '../../shared/orders/order-requests';
import { listMyOrders } from '../../shared/orders/order-service';

const orders = new PostgresOrderStore(createPool());

export const handler = httpRoute({ roles: ['shopper', 'admin'], query: myOrdersQuery }, async ({ query, caller }) =>
  ok(await listMyOrders(orders, caller, query.limit, query.cursor)),
);
