// The order domain over hand-written in-memory fakes of its ports: no AWS, no database, no jest.mock.
import type { Caller } from '../../../shared/auth/caller';
import type { CatalogPage, CatalogQuery, CatalogReadModel, StockLevel } from '../../../shared/catalog/catalog-ports';
import type { Product } from '../../../shared/catalog/product';
import { NotFoundError, OutOfStockError } from '../../../shared/errors';
import type { Order, OrderLineInput, OrderPage } from '../../../shared/orders/order';
import type { OrderStore, PlacedOrder } from '../../../shared/orders/order-ports';
import { getOrder, listMyOrders, placeOrder } from '../../../shared/orders/order-service';
import { adminSub, anOrder, aPlacedOrder, orderLines, otherShopperSub, shopperSub } from './order-fixtures';

class FakeOrderStore implements OrderStore {
  readonly orders = new Map<string, Order>();
  readonly placeCalls: { customerId: string; lines: OrderLineInput[] }[] = [];
  readonly listCalls: { customerId: string; limit: number; cursor?: string }[] = [];
  nextPlaced: PlacedOrder | Error = aPlacedOrder();

  place(customerId: string, lines: OrderLineInput[]): Promise<PlacedOrder> {
    this.placeCalls.push({ customerId, lines });
    if (this.nextPlaced instanceof Error) return Promise.reject(this.nextPlaced);
    this.orders.set(this.nextPlaced.order.orderId, this.nextPlaced.order);
    return Promise.resolve(this.nextPlaced);
  }

  get(orderId: string): Promise<Order | undefined> {
    return Promise.resolve(this.orders.get(orderId));
  }

  listByCustomer(customerId: string, limit: number, cursor?: string): Promise<OrderPage> {
    this.listCalls.push({ customerId, limit, cursor });
    const items = [...this.orders.values()].filter((o) => o.customerId === customerId).slice(0, limit);
    return Promise.resolve({ items, nextCursor: null });
  }
}

/** Records the stock it is given; can be told to fail like an unreachable DynamoDB. */
class FakeCatalog implements CatalogReadModel {
  readonly stock = new Map<string, StockLevel>();
  failWith?: Error;

  putStock(levels: StockLevel[]): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    for (const level of levels) this.stock.set(level.sku, level);
    return Promise.resolve();
  }

  get(): Promise<Product | undefined> {
    return Promise.reject(new Error('not used by orders'));
  }
  list(_query: CatalogQuery): Promise<CatalogPage> {
    return Promise.reject(new Error('not used by orders'));
  }
  put(): Promise<void> {
    return Promise.reject(new Error('not used by orders'));
  }
  remove(): Promise<void> {
    return Promise.reject(new Error('not used by orders'));
  }
}

const shopper: Caller = { id: shopperSub, roles: ['shopper'] };
const otherShopper: Caller = { id: otherShopperSub, roles: ['shopper'] };
const admin: Caller = { id: adminSub, roles: ['admin'] };

let orders: FakeOrderStore;
let catalog: FakeCatalog;

beforeEach(() => {
  orders = new FakeOrderStore();
  catalog = new FakeCatalog();
});

describe('placeOrder', () => {
  it('places the order in the store for the customer and returns it', async () => {
    const order = await placeOrder({ orders, catalog }, shopperSub, orderLines);

    expect(order).toEqual(anOrder());
    expect(orders.placeCalls).toEqual([{ customerId: shopperSub, lines: orderLines }]);
  });

  it('projects the stock left for every ordered SKU into the catalog', async () => {
    await placeOrder({ orders, catalog }, shopperSub, orderLines);

    expect([...catalog.stock.values()]).toEqual([
      { sku: 'TEA-SENCHA', stock: 23, version: 5 },
      { sku: 'MUG-1', stock: 9, version: 2 },
    ]);
  });

  it('returns the placed order even when the projection fails', async () => {
    catalog.failWith = new Error('DynamoDB unreachable');

    const order = await placeOrder({ orders, catalog }, shopperSub, orderLines);

    expect(order).toEqual(anOrder());
    expect(orders.orders.get(order.orderId)).toEqual(anOrder());
    expect(catalog.stock.size).toBe(0);
  });

  it('passes on the store refusing the order and projects nothing', async () => {
    const shortage = new OutOfStockError([{ sku: 'MUG-1', requested: 1, available: 0 }]);
    orders.nextPlaced = shortage;

    await expect(placeOrder({ orders, catalog }, shopperSub, orderLines)).rejects.toBe(shortage);
    expect(catalog.stock.size).toBe(0);
  });
});

describe('getOrder', () => {
  beforeEach(() => orders.orders.set(anOrder().orderId, anOrder({ customerId: shopperSub })));

  it('returns the order to its owner', async () => {
    await expect(getOrder(orders, shopper, anOrder().orderId)).resolves.toEqual(anOrder({ customerId: shopperSub }));
  });

  it("hides another customer's order as not found", async () => {
    const attempt = getOrder(orders, otherShopper, anOrder().orderId);

    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
    await expect(attempt).rejects.toThrow(`Order ${anOrder().orderId} does not exist`);
  });

  it("returns any customer's order to an admin", async () => {
    await expect(getOrder(orders, admin, anOrder().orderId)).resolves.toMatchObject({ customerId: shopperSub });
  });

  it('reports a missing order as not found, even to an admin', async () => {
    await expect(getOrder(orders, admin, '7c9e6679-7425-40de-944b-e07fc1f90ae7')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('listMyOrders', () => {
  it("lists the caller's own orders only, passing the limit and cursor", async () => {
    orders.orders.set('a', anOrder({ orderId: 'a', customerId: shopperSub }));
    orders.orders.set('b', anOrder({ orderId: 'b', customerId: otherShopperSub }));

    const page = await listMyOrders(orders, shopper, 10, 'cursor-1');

    expect(page.items.map((o) => o.orderId)).toEqual(['a']);
    expect(orders.listCalls).toEqual([{ customerId: shopperSub, limit: 10, cursor: 'cursor-1' }]);
  });

  it("lists an admin's own orders, not everyone's", async () => {
    orders.orders.set('a', anOrder({ orderId: 'a', customerId: shopperSub }));

    const page = await listMyOrders(orders, admin, 20);

    expect(page).toEqual({ items: [], nextCursor: null });
    expect(orders.listCalls).toEqual([{ customerId: adminSub, limit: 20, cursor: undefined }]);
  });
});
