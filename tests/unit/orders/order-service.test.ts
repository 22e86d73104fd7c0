// The order domain over hand-written in-memory fakes of its ports: no AWS, no database, no jest.mock.
import type { Caller } from '../../../shared/auth/caller';
import { projectQueued } from '../../../shared/catalog/catalog-projection';
import { NotFoundError, OutOfStockError } from '../../../shared/errors';
import { orderPlaced } from '../../../shared/events/order-placed';
import { publishQueued } from '../../../shared/events/outbox-publishing';
import type { Order, OrderCustomer, OrderLineInput, OrderPage } from '../../../shared/orders/order';
import type { OrderStore, PlacedOrder } from '../../../shared/orders/order-ports';
import { getOrder, listMyOrders, placeOrder, type OrderDeps } from '../../../shared/orders/order-service';
import { FakeCatalogOutbox, FakeCatalogReadModel } from '../catalog/projection-fakes';
import { FakeDomainEventOutbox, FakeDomainEventPublisher } from '../events/outbox-fakes';
import { adminSub, anOrder, orderLines, otherShopperSub, productsAfterOrder, shopperSub } from './order-fixtures';

class FakeOrderStore implements OrderStore {
  readonly orders = new Map<string, Order>();
  readonly placeCalls: { customer: OrderCustomer; lines: OrderLineInput[] }[] = [];
  readonly listCalls: { customerId: string; limit: number; cursor?: string }[] = [];
  nextPlaced: Order | Error = anOrder();

  constructor(
    private readonly outbox: FakeCatalogOutbox,
    private readonly eventOutbox: FakeDomainEventOutbox,
  ) {}

  place(customer: OrderCustomer, lines: OrderLineInput[]): Promise<PlacedOrder> {
    this.placeCalls.push({ customer, lines });
    if (this.nextPlaced instanceof Error) return Promise.reject(this.nextPlaced);
    const order = this.nextPlaced;
    this.orders.set(order.orderId, order);
    // The stock taken, committed with the order, and queued for the read model (the outbox trigger).
    for (const product of productsAfterOrder) this.outbox.write(product);
    // Its OrderPlaced, queued in the same transaction.
    const eventIds = this.eventOutbox.write([
      orderPlaced({
        orderId: order.orderId,
        customer: { id: customer.id, email: customer.email ?? null },
        lines: order.lines,
        totalCents: order.totalCents,
        currency: order.currency,
        placedAt: order.createdAt,
      }),
    ]);
    return Promise.resolve({ order, eventIds });
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

const shopper: Caller = { id: shopperSub, roles: ['shopper'] };
const otherShopper: Caller = { id: otherShopperSub, roles: ['shopper'] };
const admin: Caller = { id: adminSub, roles: ['admin'] };

let orders: FakeOrderStore;
let outbox: FakeCatalogOutbox;
let catalog: FakeCatalogReadModel;
let eventOutbox: FakeDomainEventOutbox;
let publisher: FakeDomainEventPublisher;
let deps: OrderDeps;
const customer: OrderCustomer = { id: shopperSub, email: 'sam@example.com' };

beforeEach(() => {
  outbox = new FakeCatalogOutbox();
  eventOutbox = new FakeDomainEventOutbox();
  publisher = new FakeDomainEventPublisher();
  orders = new FakeOrderStore(outbox, eventOutbox);
  catalog = new FakeCatalogReadModel();
  deps = { orders, outbox, catalog, events: { outbox: eventOutbox, publisher } };
});

describe('placeOrder', () => {
  it('places the order in the store for the customer and returns it', async () => {
    const order = await placeOrder(deps, customer, orderLines);

    expect(order).toEqual(anOrder());
    expect(orders.placeCalls).toEqual([{ customer, lines: orderLines }]);
  });

  it('projects the ordered products, their stock taken, into the catalog', async () => {
    await placeOrder(deps, customer, orderLines);

    expect(outbox.drains).toEqual([{ skus: ['TEA-SENCHA', 'MUG-1'], limit: 2 }]);
    expect([...catalog.items.values()]).toEqual(productsAfterOrder);
  });

  it('returns the placed order even when the projection fails; a later drain projects the stock', async () => {
    catalog.failure = new Error('DynamoDB unreachable');

    const order = await placeOrder(deps, customer, orderLines);

    expect(order).toEqual(anOrder());
    expect(orders.orders.get(order.orderId)).toEqual(anOrder());
    expect(catalog.items.size).toBe(0);
    expect([...outbox.queued]).toEqual(['TEA-SENCHA', 'MUG-1']);

    catalog.failure = undefined;
    await projectQueued({ outbox, catalog });
    expect([...catalog.items.values()]).toEqual(productsAfterOrder);
  });

  it('passes on the store refusing the order and projects nothing', async () => {
    const shortage = new OutOfStockError([{ sku: 'MUG-1', requested: 1, available: 0 }]);
    orders.nextPlaced = shortage;

    await expect(placeOrder(deps, customer, orderLines)).rejects.toBe(shortage);
    expect(outbox.drains).toEqual([]);
    expect(publisher.published).toEqual([]);
  });

  it("publishes the order's OrderPlaced right after the commit, with the customer's address", async () => {
    const order = await placeOrder(deps, customer, orderLines);

    expect(publisher.published.map((e) => [e.detailType, e.detail])).toEqual([
      ['OrderPlaced', expect.objectContaining({ orderId: order.orderId, customer, totalCents: 3400 })],
    ]);
    expect(eventOutbox.queued).toEqual([]);
  });

  it('returns the placed order even when EventBridge fails; the event stays queued and goes out later', async () => {
    publisher.failure = new Error('EventBridge unreachable');

    const order = await placeOrder(deps, customer, orderLines);

    expect(order).toEqual(anOrder());
    expect(eventOutbox.queued.map((e) => e.detailType)).toEqual(['OrderPlaced']);
    publisher.failure = undefined;
    await expect(publishQueued({ outbox: eventOutbox, publisher })).resolves.toBe(1);
    expect(publisher.published.map((e) => e.detail)).toEqual([expect.objectContaining({ orderId: order.orderId })]);
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
