import { handler } from '../../../services/orders/get-order';
import { PostgresOrderStore } from '../../../shared/adapters/postgres/order-store';
import type { Role } from '../../../shared/auth/caller';
import { httpEvent, invoke } from '../../helpers/http-events';
import { adminSub, anOrder, otherShopperSub, shopperSub } from './order-fixtures';

// No database in unit tests: the PostgreSQL order store is an automatic mock whose answers each test sets.
jest.mock('../../../shared/adapters/postgres/order-store');

const get = jest.spyOn(PostgresOrderStore.prototype, 'get');

const orderId = anOrder().orderId;

const getOrder = (id: string, caller?: { sub: string; role: Role }) =>
  httpEvent({ method: 'GET', route: '/orders/{orderId}', pathParameters: { orderId: id }, caller });

beforeEach(() => {
  get.mockReset();
  get.mockResolvedValue(anOrder({ customerId: shopperSub }));
});

describe('GET /orders/{orderId}', () => {
  it('returns the order to the shopper who placed it', async () => {
    // when
    const response = await invoke(handler, getOrder(orderId, { sub: shopperSub, role: 'shopper' }));

    // then
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual(anOrder({ customerId: shopperSub }));
    expect(get).toHaveBeenCalledWith(orderId);
  });

  it('answers 404 to another shopper, as if the order did not exist', async () => {
    const response = await invoke(handler, getOrder(orderId, { sub: otherShopperSub, role: 'shopper' }));

    expect(response.statusCode).toBe(404);
    expect(response.body).toEqual({
      error: { code: 'NOT_FOUND', message: `Order ${orderId} does not exist`, details: null },
    });
  });

  it("returns anyone's order to an admin", async () => {
    const response = await invoke(handler, getOrder(orderId, { sub: adminSub, role: 'admin' }));

    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ orderId, customerId: shopperSub });
  });

  it('answers 404 for an order the store does not have', async () => {
    get.mockResolvedValue(undefined);

    const response = await invoke(handler, getOrder(orderId, { sub: adminSub, role: 'admin' }));

    expect(response.statusCode).toBe(404);
    expect(response.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it.each(['42', 'not-a-uuid', '0f8fad5b-d9cb-469f-a165-70867728950'])(
    'refuses the order id %s with 400 naming orderId, without reading the store',
    async (id) => {
      const response = await invoke(handler, getOrder(id, { sub: shopperSub, role: 'shopper' }));

      expect(response.statusCode).toBe(400);
      expect(response.body).toMatchObject({
        error: { code: 'VALIDATION_FAILED', details: [{ field: 'orderId', message: 'must be an order id (a UUID)' }] },
      });
      expect(get).not.toHaveBeenCalled();
    },
  );

  it('refuses a request without claims with 401', async () => {
    const response = await invoke(handler, getOrder(orderId));

    expect(response.statusCode).toBe(401);
    expect(response.body).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect(get).not.toHaveBeenCalled();
  });
});
