// Order fulfilment on the local stack: an order placed over HTTP is announced (OrderPlaced), the
// EventBridge rule starts the state machine on aws-local-stepfunctions, and its Task states run
// the fulfilment functions against the real PostgreSQL. The simulated provider and carrier decide
// by the total's cents (docs/labs/17-step-functions-fulfilment.md): 13 declined, 57 times out
// once, 99 refused by the carrier after the payment.
import { randomUUID } from 'node:crypto';
import { invokeFunction } from '../../infra/local/lambda/invoke';
import { api, closeDb, createProduct, db, stockOf, tokenFor, uniqueSku, until } from './helpers';

afterAll(closeDb);

interface Listed {
  name: string;
  status: string;
  error?: string;
  input: { orderId: string };
  history: { type: string; state?: { name: string } }[];
}

/** Places an order of one product at `priceCents` (stock 5, one unit ordered). */
async function placeOrderAt(priceCents: number) {
  const sku = uniqueSku('FUL');
  await createProduct(sku, { priceCents, stock: 5 });
  const sub = `shopper-${randomUUID()}`;
  const token = tokenFor('shopper', sub);
  const placed = await api('POST', '/orders', { token, body: { lines: [{ sku, quantity: 1 }] } });
  expect(placed.status).toBe(201);
  expect(await stockOf(sku)).toBe(4);
  return { sku, token, orderId: placed.body.orderId as string };
}

/** The order once its workflow has finished with it (SHIPPED or CANCELLED). */
function settled(orderId: string, token: string) {
  return until(`order ${orderId} shipped or cancelled`, async () => {
    const { body } = await api('GET', `/orders/${orderId}`, { token });
    return ['SHIPPED', 'CANCELLED'].includes(body.status) ? body : undefined;
  });
}

/** The order's execution, once it has stopped. */
function executionOf(orderId: string) {
  return until(`the execution for ${orderId}`, async () => {
    const { executions } = (await (await fetch(process.env.SHELF_TEST_EXECUTIONS_URL!)).json()) as {
      executions: Listed[];
    };
    const execution = executions.find((e) => e.input.orderId === orderId);
    return execution && execution.status !== 'RUNNING' ? execution : undefined;
  });
}

const statesOf = (execution: Listed) =>
  execution.history.filter((e) => e.type === 'StateEntered').map((e) => e.state!.name);

async function paymentOf(orderId: string) {
  const { rows } = await db().query<{ attempts: number; charged: boolean; refunds: number }>(
    `SELECT attempts, charged_at IS NOT NULL AS charged, refunds FROM simulated_payments WHERE idempotency_key = $1`,
    [orderId],
  );
  return rows[0];
}

/** Invokes a fulfilment function directly, as its Task state does. */
function invokeTask(functionKey: string, input: unknown) {
  return invokeFunction(process.env.SHELF_TEST_LAMBDA_URL!, `shelf-local-${functionKey}`, input);
}

describe('order fulfilment', () => {
  it('takes the payment, ships the order and announces it: PLACED → PAID → SHIPPED', async () => {
    const { orderId, token, sku } = await placeOrderAt(2500);

    const order = await settled(orderId, token);

    expect(order).toMatchObject({ status: 'SHIPPED', trackingId: expect.stringMatching(/^SIM[0-9A-F]{12}$/) });
    expect(order.cancellationReason).toBeNull();
    expect(await paymentOf(orderId)).toEqual({ attempts: 1, charged: true, refunds: 0 });
    expect(await stockOf(sku)).toBe(4);
    const execution = await executionOf(orderId);
    expect(execution.status).toBe('SUCCEEDED');
    expect(statesOf(execution)).toEqual(['TakePayment', 'ShipOrder', 'NotifyCustomer']);
    const listed = await api('GET', '/orders', { token });
    expect(listed.body.items[0]).toMatchObject({ orderId, status: 'SHIPPED', trackingId: order.trackingId });
  });

  it('cancels a declined order (cents 13) and puts its stock back, in PostgreSQL and the catalog', async () => {
    const { orderId, token, sku } = await placeOrderAt(1013);

    const order = await settled(orderId, token);

    expect(order).toMatchObject({
      status: 'CANCELLED',
      cancellationReason: 'The payment was declined.',
      trackingId: null,
    });
    expect(await stockOf(sku)).toBe(5);
    const { rows } = await db().query('SELECT changed_by FROM products WHERE sku = $1', [sku]);
    expect(rows[0].changed_by).toBe(`order-cancelled:${orderId}`);
    await until('the catalog to show the stock back', async () =>
      (await api('GET', `/products/${sku}`)).body.stock === 5 ? true : undefined,
    );
    expect(await paymentOf(orderId)).toBeUndefined();
    const execution = await executionOf(orderId);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'OrderCancelled' });
    expect(statesOf(execution)).toEqual(['TakePayment', 'RefundPayment', 'CancelOrder', 'Cancelled']);
  });

  it('retries a payment that timed out (cents 57) and charges it once', async () => {
    const { orderId, token } = await placeOrderAt(1057);

    const order = await settled(orderId, token);

    expect(order.status).toBe('SHIPPED');
    expect(await paymentOf(orderId)).toEqual({ attempts: 2, charged: true, refunds: 0 });
    const execution = await executionOf(orderId);
    expect(execution.history.filter((e) => e.type === 'StateRetried').map((e) => e.state!.name)).toEqual([
      'TakePayment',
    ]);
  });

  it('refunds once and restocks once when shipping fails after the payment (cents 99)', async () => {
    const { orderId, token, sku } = await placeOrderAt(1099);

    const order = await settled(orderId, token);

    expect(order).toMatchObject({
      status: 'CANCELLED',
      cancellationReason: 'The carrier could not take the parcel; the payment was refunded.',
    });
    expect(await paymentOf(orderId)).toEqual({ attempts: 1, charged: true, refunds: 1 });
    expect(await stockOf(sku)).toBe(5);
    expect(statesOf(await executionOf(orderId))).toEqual([
      'TakePayment',
      'ShipOrder',
      'RefundPayment',
      'CancelOrder',
      'Cancelled',
    ]);

    // The compensation run again (a retry, a second execution) changes nothing.
    expect((await invokeTask('refundPayment', { orderId })).payload).toEqual({ refunded: false });
    const again = await invokeTask('cancelOrder', { orderId, failure: { Error: 'ShipmentRefused' } });
    expect(again.payload).toMatchObject({ status: 'CANCELLED', released: [] });
    expect(await paymentOf(orderId)).toEqual({ attempts: 1, charged: true, refunds: 1 });
    expect(await stockOf(sku)).toBe(5);
    // Nor can a cancelled order be charged any more.
    expect((await invokeTask('takePayment', { orderId })).functionError).toBeDefined();
    expect(await paymentOf(orderId)).toEqual({ attempts: 1, charged: true, refunds: 1 });
  });

  it('refuses a task input that is not an order, writing nothing', async () => {
    const refused = await invokeTask('cancelOrder', { orderId: 'not-an-order' });

    expect(refused.functionError).toBeDefined();
    expect(refused.payload).toMatchObject({ errorMessage: expect.stringContaining("The task's input is refused") });
  });
});
