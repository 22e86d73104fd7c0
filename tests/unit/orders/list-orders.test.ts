import { handler } from '../../../services/orders/list-orders';
import { PostgresOrderStore } from '../../../shared/adapters/postgres/order-store';
import type { Role } from '../../../shared/auth/caller';
import { InvalidInputError } from '../../../shared/errors';
import { httpEvent, invoke } from '../../helpers/http-events';
import { adminSub, anOrder, shopperSub } from './order-fixtures';

// No database in unit tests: the PostgreSQL order store is an automatic mock whose answers each test sets.
jest.mock('../../../shared/adapters/postgres/order-store');

const listByCustomer = jest.spyOn(PostgresOrderStore.prototype, 'listByCustomer');

const shopperCaller = { sub: shopperSub, role: 'shopper' as const };

/** null: an anonymous request (no claims). */
const listOrders = (query?: Record<string, string>, caller: { sub: string; role: Role } | null = shopperCaller) =>
  httpEvent({ method: 'GET', route: '/orders', query, caller: caller ?? undefined });

const page = { items: [anOrder()], nextCursor: 'MTI' };

beforeEach(() => {
  listByCustomer.mockReset();
  listByCustomer.mockResolvedValue(page);
});

describe('GET /orders', () => {
  it("returns the page the store gives for the caller's own id, 20 by default", async () => {
    // when
    const response = await invoke(handler, listOrders());

    // then
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual(page);
    expect(listByCustomer).toHaveBeenCalledTimes(1);
    expect(listByCustomer).toHaveBeenCalledWith(shopperSub, 20, undefined);
  });

  it('passes the limit and the cursor on to the store', async () => {
    const response = await invoke(handler, listOrders({ limit: '5', cursor: 'MTI' }));

    expect(response.statusCode).toBe(200);
    expect(listByCustomer).toHaveBeenCalledWith(shopperSub, 5, 'MTI');
  });

  it("lists an admin's own orders, not everyone's", async () => {
    listByCustomer.mockResolvedValue({ items: [], nextCursor: null });

    const response = await invoke(handler, listOrders(undefined, { sub: adminSub, role: 'admin' }));

    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ items: [], nextCursor: null });
    expect(listByCustomer).toHaveBeenCalledWith(adminSub, 20, undefined);
  });

  it("refuses to filter by another customer's id (unknown parameter) with 400", async () => {
    const response = await invoke(handler, listOrders({ customerId: 'shopper-2' }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(JSON.stringify(response.body)).toContain('customerId');
    expect(listByCustomer).not.toHaveBeenCalled();
  });

  it.each(['0', '101', 'ten'])('refuses limit=%s with 400 naming limit', async (limit) => {
    const response = await invoke(handler, listOrders({ limit }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field: 'limit' }] } });
    expect(listByCustomer).not.toHaveBeenCalled();
  });

  it('answers 400 naming cursor when the store cannot read the cursor', async () => {
    const problems = [{ field: 'cursor', message: 'is not a cursor returned by this API' }];
    listByCustomer.mockRejectedValue(new InvalidInputError('Invalid cursor', problems));

    const response = await invoke(handler, listOrders({ cursor: 'bm9wZQ' }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toEqual({
      error: { code: 'VALIDATION_FAILED', message: 'Invalid cursor', details: problems },
    });
  });

  it('refuses a request without claims with 401', async () => {
    const response = await invoke(handler, listOrders(undefined, null));

    expect(response.statusCode).toBe(401);
    expect(listByCustomer).not.toHaveBeenCalled();
  });
});
