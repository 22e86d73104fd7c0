// receiveRestockMail (services/restock/receive-restock-mail.ts), fed AWS's own SES sample event:
// whom it trusts, what it reads from S3, what it asks the store to apply, and what it answers.
// No database: the PostgreSQL store is a fake with its semantics (each message once, `decide` on
// the stock found); S3 is mocked with aws-sdk-client-mock.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/restock/receive-restock-mail';
import { PostgresCatalogOutbox } from '../../../shared/adapters/postgres/catalog-outbox';
import { PostgresRestockStore } from '../../../shared/adapters/postgres/restock-store';
import type { RestockResult, RestockStore } from '../../../shared/catalog/restock';
import sample from '../../fixtures/events/ses-lambda-event.json';
import { lambdaContext } from '../../helpers/http-events';
import { drainingTheOutbox } from '../catalog/outbox-mock';

jest.mock('../../../shared/adapters/postgres/restock-store');
jest.mock('../../../shared/adapters/postgres/catalog-outbox');

const s3 = mockClient(S3Client);
const dynamo = mockClient(DynamoDBDocumentClient);
const apply = jest.spyOn(PostgresRestockStore.prototype, 'apply');
const drain = jest.spyOn(PostgresCatalogOutbox.prototype, 'drain');

const restockNote = readFileSync(join(__dirname, '../../fixtures/mail/restock-note.eml'));
const messageId = sample.Records[0]!.ses.mail.messageId;

/** The sample event, from `source`, with SES's verdicts as given (PASS otherwise). */
function sesEvent(source: string, verdicts: Partial<Record<'spam' | 'virus' | 'spf' | 'dkim', string>> = {}) {
  const event = structuredClone(sample);
  const { mail, receipt } = event.Records[0]!.ses;
  mail.source = source;
  receipt.spamVerdict.status = verdicts.spam ?? 'PASS';
  receipt.virusVerdict.status = verdicts.virus ?? 'PASS';
  receipt.spfVerdict.status = verdicts.spf ?? 'PASS';
  receipt.dkimVerdict.status = verdicts.dkim ?? 'PASS';
  return event;
}

const stored = (raw: Buffer) => ({ Body: Readable.from([raw]) as unknown as GetObjectCommandOutput['Body'] });

/** The store's semantics: a message applied once; `decide` sees the stock of the SKUs that exist. */
function storeWithStock(stock: Record<string, number>) {
  const applied = new Map<string, RestockResult>();
  apply.mockImplementation(({ messageId: id, supplier, decide }: Parameters<RestockStore['apply']>[0]) => {
    const before = applied.get(id);
    if (before) return Promise.resolve({ ...before, duplicate: true });
    const result = { messageId: id, supplier, ...decide(new Map(Object.entries(stock))), duplicate: false };
    applied.set(id, result);
    return Promise.resolve(result);
  });
}

const receive = (event: unknown) => handler(event, lambdaContext());

beforeEach(() => {
  s3.reset();
  dynamo.reset();
  dynamo.on(BatchWriteCommand).resolves({});
  apply.mockReset();
  drainingTheOutbox(drain, []);
  s3.on(GetObjectCommand, { Bucket: 'shelf-test-inbound-mail', Key: `restock/${messageId}` }).resolves(
    stored(restockNote),
  );
});

describe('receiveRestockMail', () => {
  it("changes nothing and answers no one for AWS's sample mail: its sender is on no allow-list", async () => {
    expect(await receive(sample)).toEqual({ messageId, outcome: 'distrusted', answer: null });
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(apply).not.toHaveBeenCalled();
  });

  it("applies an allow-listed supplier's note from S3 and answers what was added", async () => {
    storeWithStock({ 'TEA-SENCHA': 25, 'TEA-EARL-GREY': 40 });

    const outcome = await receive(sesEvent('Supplier@Example.com'));

    expect(apply).toHaveBeenCalledWith(
      expect.objectContaining({
        messageId,
        supplier: 'supplier@example.com',
        by: 'supplier:supplier@example.com',
        skus: ['TEA-SENCHA', 'TEA-EARL-GREY'],
      }),
    );
    expect(outcome).toEqual({
      messageId,
      outcome: 'applied',
      answer: {
        to: 'supplier@example.com',
        subject: 'Re: Test Subject',
        text: expect.stringContaining('TEA-SENCHA  +12  (stock now 37)\n  TEA-EARL-GREY  +6  (stock now 46)'),
      },
    });
    expect(drain).toHaveBeenCalledWith(expect.any(Function), { skus: ['TEA-SENCHA', 'TEA-EARL-GREY'], limit: 2 });
  });

  it.each([
    ['spam', { spam: 'FAIL' }],
    ['virus', { virus: 'FAIL' }],
    ['SPF', { spf: 'GRAY' }],
    ['DKIM', { dkim: 'PROCESSING_FAILED' }],
  ])('trusts no mail whose %s verdict is not PASS, even from a supplier', async (_name, verdicts) => {
    expect(await receive(sesEvent('supplier@example.com', verdicts))).toMatchObject({ outcome: 'distrusted' });
    expect(apply).not.toHaveBeenCalled();
  });

  it('answers an unknown SKU as refused and applies the rest', async () => {
    storeWithStock({ 'TEA-SENCHA': 25 });
    const { answer } = await receive(sesEvent('supplier@example.com'));
    expect(answer!.text).toContain('TEA-SENCHA  +12  (stock now 37)');
    expect(answer!.text).toContain('line 2 "TEA-EARL-GREY 6": there is no product TEA-EARL-GREY in the catalog');
  });

  it('answers a malformed mail with the reason and adds nothing', async () => {
    storeWithStock({ 'TEA-SENCHA': 25 });
    s3.on(GetObjectCommand).resolves(
      stored(Buffer.from('Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nTEA-SENCHA 5\r\n')),
    );

    const { answer } = await receive(sesEvent('supplier@example.com'));

    expect(apply).toHaveBeenCalledWith(expect.objectContaining({ skus: [] }));
    expect(answer!.text).toMatch(
      /We added no stock[\s\S]*the whole note: the mail cannot be read: the multipart has no closing boundary/,
    );
  });

  it('takes a mail without Subject or Date, which SES reports without those common headers', async () => {
    storeWithStock({ 'TEA-SENCHA': 25, 'TEA-EARL-GREY': 40 });
    const event = sesEvent('supplier@example.com');
    const headers: Record<string, unknown> = event.Records[0]!.ses.mail.commonHeaders;
    delete headers.subject;
    delete headers.date;

    const { answer } = await receive(event);

    expect(answer).toMatchObject({ to: 'supplier@example.com', subject: 'Re: Your restock note' });
  });

  it('adds nothing and answers nothing when the same message is delivered again', async () => {
    storeWithStock({ 'TEA-SENCHA': 25, 'TEA-EARL-GREY': 40 });
    await receive(sesEvent('supplier@example.com'));

    expect(await receive(sesEvent('supplier@example.com'))).toEqual({ messageId, outcome: 'duplicate', answer: null });
  });

  it('fails, to be retried, when the stored message cannot be read', async () => {
    s3.on(GetObjectCommand).rejects(new Error('NoSuchKey'));
    await expect(receive(sesEvent('supplier@example.com'))).rejects.toThrow('NoSuchKey');
    expect(apply).not.toHaveBeenCalled();
  });

  it('refuses an event that is not an SES receipt', async () => {
    await expect(receive({ Records: [{ eventSource: 'aws:sqs' }] })).rejects.toThrow();
  });
});
