// Restock mail through the local stack, the receipt rule's path end to end: a note posted to local
// SES (as `npm run mail` posts it) is stored in S3 and handed to receiveRestockMail, whose answer
// answerRestockMail sends through aws-ses-v2-local. A supplier on the allow-list raises the stock
// and is answered; anyone else, and the same message delivered again, change nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invokeFunction } from '../../infra/local/lambda/invoke';
import sample from '../fixtures/events/ses-lambda-event.json';
import { api, closeDb, createProduct, db, stockOf, uniqueSku, until } from './helpers';

const stack = JSON.parse(readFileSync(join(process.env.SHELF_TEST_DATA_DIR!, 'stack.json'), 'utf8')) as {
  endpoints: { ses: string };
};
const ses = stack.endpoints.ses;

/** A restock note from `from` to restock@shop.example (the local stage's mailDomain). */
const note = (from: string, subject: string, body: string) =>
  [
    `From: ${from}`,
    'To: restock@shop.example',
    `Subject: ${subject}`,
    'Date: Thu, 3 Dec 2026 08:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');

async function deliver(raw: string): Promise<string> {
  const response = await fetch(`${ses}/inbound`, { method: 'POST', body: raw });
  const outcome = (await response.json()) as { messageId: string; rules: { name: string; actions: string[] }[] };
  expect(outcome.rules.map((r) => r.name)).toEqual(['restock']);
  return outcome.messageId;
}

interface SentMail {
  subject: string;
  body: { text?: string };
  destination: { to: string[] };
}

const mailbox = async () => ((await (await fetch(`${ses}/store`)).json()) as { emails: SentMail[] }).emails;

/** SES's event for a message already stored, as the receipt rule sends it: delivered once more. */
function sesEvent(messageId: string, source: string) {
  const event = structuredClone(sample);
  const { mail, receipt } = event.Records[0]!.ses;
  Object.assign(mail, { messageId, source, destination: ['restock@shop.example'] });
  receipt.recipients = ['restock@shop.example'];
  return event;
}

afterAll(closeDb);

const receiveAgain = (event: unknown) =>
  invokeFunction(process.env.SHELF_TEST_LAMBDA_URL!, 'shelf-local-receiveRestockMail', event);

describe('restock mail (receiveRestockMail, answerRestockMail)', () => {
  it('raises the stock from an allowed supplier, answers them, and adds nothing on a duplicate delivery', async () => {
    const sku = uniqueSku('RESTOCK');
    const unknown = uniqueSku('GHOST');
    await createProduct(sku, { stock: 10 });
    const subject = `Restock ${sku}`;

    const messageId = await deliver(note('Tea Supplier <supplier@example.com>', subject, `${sku} 5\n${unknown} 2`));

    await until('the stock raised in the catalog', async () => {
      const { body } = await api<{ stock: number }>('GET', `/products/${sku}`);
      return body.stock === 15 ? body : undefined;
    });
    const answer = await until('the answer in the mailbox', async () =>
      (await mailbox()).find((m) => m.subject === `Re: ${subject}`),
    );
    expect(answer.destination.to).toEqual(['supplier@example.com']);
    expect(answer.body.text).toContain(`${sku}  +5  (stock now 15)`);
    expect(answer.body.text).toContain(`line 2 "${unknown} 2": there is no product ${unknown} in the catalog`);
    const { rows } = await db().query('SELECT changed_by FROM products WHERE sku = $1', [sku]);
    expect(rows).toEqual([{ changed_by: 'supplier:supplier@example.com' }]);

    const again = await receiveAgain(sesEvent(messageId, 'supplier@example.com'));
    expect(again.payload).toEqual({ messageId, outcome: 'duplicate', answer: null });
    expect(await stockOf(sku)).toBe(15);
  });

  it('adds a message once when it is delivered three times at once', async () => {
    const sku = uniqueSku('RESTOCK');
    await createProduct(sku, { stock: 10 });
    const subject = `Restock ${sku}`;

    // The receipt rule's own invocation, and two more of the same message beside it.
    const messageId = await deliver(note('supplier@example.com', subject, `${sku} 5`));
    const event = sesEvent(messageId, 'supplier@example.com');
    const outcomes = await Promise.all([receiveAgain(event), receiveAgain(event)]);

    for (const { payload } of outcomes)
      expect(['applied', 'duplicate']).toContain((payload as { outcome: string }).outcome);
    await until('the answer in the mailbox', async () => (await mailbox()).find((m) => m.subject === `Re: ${subject}`));
    // One answer: only the delivery that applied the note has one to give.
    expect((await mailbox()).filter((m) => m.subject === `Re: ${subject}`)).toHaveLength(1);
    expect(await stockOf(sku)).toBe(15);
    const { rows } = await db().query('SELECT applied FROM restock_messages WHERE message_id = $1', [messageId]);
    expect(rows).toEqual([{ applied: [{ sku, quantity: 5, stock: 15 }] }]);
  });

  it('applies and answers a note whose refused line is cut before an emoji (jsonb takes no half of one)', async () => {
    const sku = uniqueSku('RESTOCK');
    await createProduct(sku, { stock: 10 });
    const subject = `Restock ${sku}`;
    const chatter = `${'Hello from the tea garden, '.repeat(4).slice(0, 99)}\u{1F375} see you next week`;

    await deliver(note('supplier@example.com', subject, `${chatter}\r\n${sku} 5`));

    const answer = await until('the answer in the mailbox', async () =>
      (await mailbox()).find((m) => m.subject === `Re: ${subject}`),
    );
    expect(answer.body.text).toContain(`${sku}  +5  (stock now 15)`);
    expect(answer.body.text).toContain(`line 1 "${chatter.slice(0, 99)}": is not "SKU quantity"`);
    expect(await stockOf(sku)).toBe(15);
  });

  it('answers a mail it cannot read with the reason, even when that quotes a NUL from its headers', async () => {
    const subject = `Unreadable ${uniqueSku('RESTOCK')}`;
    const raw = note('supplier@example.com', subject, 'TEA-1 2').replace(
      'Content-Type: text/plain; charset=utf-8',
      'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: x\u0000y',
    );

    await deliver(raw);

    const answer = await until('the answer in the mailbox', async () =>
      (await mailbox()).find((m) => m.subject === `Re: ${subject}`),
    );
    expect(answer.body.text).toContain(
      'the whole note: the mail cannot be read: unknown Content-Transfer-Encoding x?y',
    );
  });

  it('changes nothing for a sender who is not on the allow-list, and does not answer', async () => {
    const sku = uniqueSku('RESTOCK');
    await createProduct(sku, { stock: 10 });
    const subject = `Restock ${sku}`;

    const messageId = await deliver(note('Somebody <stranger@example.com>', subject, `${sku} 500`));

    // The receipt rule's own invocation is asynchronous; the same event, invoked and waited for,
    // shows what the function makes of it.
    const invocation = await receiveAgain(sesEvent(messageId, 'stranger@example.com'));
    expect(invocation.payload).toEqual({ messageId, outcome: 'distrusted', answer: null });
    expect(await stockOf(sku)).toBe(10);
    expect((await mailbox()).some((m) => m.subject === `Re: ${subject}`)).toBe(false);
  });
});
