// An order through the local stack, all the way to the customer's mailbox: POST /orders → the
// outbox → OrderPlaced on the domain event bus → the rule → SNS order-notifications →
// sendOrderConfirmation → SES. Also: a second SNS delivery of the same event mails nothing more,
// StockLow reaches ops-alerts and the category's subscriber only for its category, and an event
// left in the outbox is published by publishDomainEvents.
import { randomUUID } from 'node:crypto';
import { invokeFunction } from '../../infra/local/lambda/invoke';
import { signToken } from '../../infra/local/local-issuer';
import { orderPlaced } from '../../shared/events/order-placed';
import confirmationSample from '../fixtures/events/functions/sendOrderConfirmation.json';
import scheduledSample from '../fixtures/events/eventbridge-scheduled-event.json';
import { api, createProduct, db, closeDb, uniqueSku, until } from './helpers';

interface SentMail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

interface SnsMail {
  to: string;
  body: string;
}

interface BusEvent {
  'detail-type': string;
  detail: { orderId?: string; sku?: string };
}

const getJson = async <T>(url: string): Promise<T> => (await fetch(url)).json() as Promise<T>;
const mailTo = async (address: string) =>
  (await getJson<{ emails: SentMail[] }>(`${process.env.SHELF_TEST_SES_URL}/store`)).emails.filter((mail) =>
    mail.destination.to.includes(address),
  );
const snsMailTo = async (address: string) =>
  (await getJson<SnsMail[]>(`${process.env.SHELF_TEST_SNS_URL}/mail`)).filter((mail) => mail.to === address);
const busEvents = () =>
  getJson<BusEvent[]>(`${process.env.SHELF_TEST_EVENTBRIDGE_URL}/events?bus=shelf-local-domain-events`);

const invoke = (name: string, event: unknown) =>
  invokeFunction(process.env.SHELF_TEST_LAMBDA_URL!, `shelf-local-${name}`, event);

/** A shopper whose token carries a verified e-mail address, as Cognito's ID tokens do. */
function aShopper() {
  const sub = `mail-${randomUUID()}`;
  const email = `${sub}@example.com`;
  return { sub, email, token: signToken({ sub, role: 'shopper', email }) };
}

afterAll(() => closeDb());

describe('the order confirmation', () => {
  it('mails exactly one confirmation with the lines and the total, even when SNS delivers twice', async () => {
    // given
    const teapot = uniqueSku('MAIL');
    const sencha = uniqueSku('MAIL');
    await createProduct(teapot, { name: 'Cast-iron teapot', priceCents: 3200, stock: 20 });
    await createProduct(sencha, { name: 'Sencha <first flush>', priceCents: 1250, stock: 20 });
    const shopper = aShopper();

    // when
    const placed = await api<{ orderId: string }>('POST', '/orders', {
      token: shopper.token,
      body: {
        lines: [
          { sku: teapot, quantity: 1 },
          { sku: sencha, quantity: 2 },
        ],
      },
    });

    // then
    expect(placed.status).toBe(201);
    const { orderId } = placed.body;
    const [mail] = await until('the confirmation', async () => {
      const mails = await mailTo(shopper.email);
      return mails.length ? mails : undefined;
    });
    expect(mail!.subject).toBe(`Your Shelf order ${orderId}`);
    expect(mail!.body.text).toContain(`1 x Cast-iron teapot (${teapot}) at €32.00: €32.00`);
    expect(mail!.body.text).toContain(`2 x Sencha <first flush> (${sencha}) at €12.50: €25.00`);
    expect(mail!.body.text).toContain('Total: €57.00');
    expect(mail!.body.html).toContain('Sencha &lt;first flush&gt;');
    expect(mail!.body.html).toContain('<th align="right">€57.00</th>');
    const { rows } = await db().query(`SELECT 1 FROM domain_event_outbox WHERE detail->>'orderId' = $1`, [orderId]);
    expect(rows).toEqual([]);

    // when: SNS delivers the same OrderPlaced again (at least once means sometimes twice)
    const event = (await busEvents()).find((e) => e['detail-type'] === 'OrderPlaced' && e.detail.orderId === orderId);
    expect(event).toBeDefined();
    const again = structuredClone(confirmationSample);
    again.Records[0]!.Sns.Message = JSON.stringify(event);
    again.Records[0]!.Sns.MessageId = randomUUID();
    const second = await invoke('sendOrderConfirmation', again);

    // then: the first outcome, and still one mail
    expect(second.functionError).toBeUndefined();
    expect(second.payload).toEqual([{ outcome: 'sent', orderId, messageId: mail!.messageId }]);
    expect(await mailTo(shopper.email)).toHaveLength(1);
  });

  it("alerts ops when an order takes stock below the threshold, and the category's buyer only for tea", async () => {
    const tea = uniqueSku('LOW');
    const mug = uniqueSku('LOW');
    // The default threshold is 5: 6 → 4 crosses it.
    await createProduct(tea, { category: 'tea', stock: 6 });
    await createProduct(mug, { category: 'tableware', stock: 6 });

    const placed = await api('POST', '/orders', {
      token: aShopper().token,
      body: {
        lines: [
          { sku: tea, quantity: 2 },
          { sku: mug, quantity: 2 },
        ],
      },
    });
    expect(placed.status).toBe(201);

    const alerts = await until('both stock alerts for ops', async () => {
      const mails = (await snsMailTo('ops@example.com')).filter((m) => m.body.includes(tea) || m.body.includes(mug));
      return mails.length === 2 ? mails : undefined;
    });
    const details = alerts.map((m) => (JSON.parse(m.body) as { detail: Record<string, unknown> }).detail);
    expect(details.map(({ sku, category, stock, threshold }) => ({ sku, category, stock, threshold }))).toEqual(
      expect.arrayContaining([
        { sku: tea, category: 'tea', stock: 4, threshold: 5 },
        { sku: mug, category: 'tableware', stock: 4, threshold: 5 },
      ]),
    );
    const buyer = await until('the tea alert for the buyer', async () => {
      const mails = (await snsMailTo('tea-buyer@example.com')).filter((m) => m.body.includes(tea));
      return mails.length ? mails : undefined;
    });
    expect(buyer).toHaveLength(1);
    expect((await snsMailTo('tea-buyer@example.com')).some((m) => m.body.includes(mug))).toBe(false);

    // A second order below the threshold is no new crossing: no second alert. (Its StockLow would
    // have been published with its OrderPlaced, in the same PutEvents.)
    const next = await api<{ orderId: string }>('POST', '/orders', {
      token: aShopper().token,
      body: { lines: [{ sku: tea, quantity: 1 }] },
    });
    await until('the second order on the bus', async () =>
      (await busEvents()).some((e) => e.detail.orderId === next.body.orderId) ? true : undefined,
    );
    const stockLows = (await busEvents()).filter((e) => e['detail-type'] === 'StockLow' && e.detail.sku === tea);
    expect(stockLows).toHaveLength(1);
  });

  it('publishes what is left in the outbox on the next run of publishDomainEvents', async () => {
    // given: an OrderPlaced its writer could not publish (queued as the order's transaction queues it)
    const shopper = aShopper();
    const event = orderPlaced({
      orderId: randomUUID(),
      customer: { id: shopper.sub, email: shopper.email },
      lines: [{ sku: 'LEFT-1', name: 'Left in the outbox', quantity: 1, unitPriceCents: 700, lineTotalCents: 700 }],
      totalCents: 700,
      currency: 'EUR',
      placedAt: new Date().toISOString(),
    });
    await db().query(
      `INSERT INTO domain_event_outbox (event_id, source, detail_type, occurred_at, detail) VALUES ($1, $2, $3, $4, $5)`,
      [event.detail.eventId, event.source, event.detailType, event.time, JSON.stringify(event.detail)],
    );

    // when
    const run = await invoke('publishDomainEvents', scheduledSample);

    // then
    expect(run.functionError).toBeUndefined();
    expect(run.payload).toEqual({ published: expect.any(Number) });
    const [mail] = await until('the confirmation of the left-over order', async () => {
      const mails = await mailTo(shopper.email);
      return mails.length ? mails : undefined;
    });
    expect(mail!.body.text).toContain('Total: €7.00');
    const { rows } = await db().query('SELECT 1 FROM domain_event_outbox WHERE event_id = $1', [event.detail.eventId]);
    expect(rows).toEqual([]);
  });
});
