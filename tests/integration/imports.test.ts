// The import pipeline through the local stack, as an admin uses it: POST /imports, POST the file
// to S3 with the presigned form, watch GET /imports/{id}. S3's notification starts the file
// processor, the import queue feeds the ETL worker (infra/local/aws/s3 and aws/sqs run both
// triggers as declared in serverless.yml), and the results are checked in PostgreSQL, the catalog
// API and the rejects report.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parse } from 'csv-parse/sync';
import { v7 as uuidv7 } from 'uuid';
import { invokeFunction } from '../../infra/local/lambda/invoke';
import s3SampleEvent from '../fixtures/events/s3-event.json';
import { adminToken, api, closeDb, db, postForm, tokenFor, until } from './helpers';

const sqs = new SQSClient({
  endpoint: process.env.SHELF_TEST_SQS_URL,
  region: process.env.SHELF_TEST_REGION,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

const s3 = new S3Client({
  endpoint: process.env.SHELF_TEST_S3_URL,
  region: process.env.SHELF_TEST_REGION,
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});

afterAll(closeDb);

interface ImportJob {
  importId: string;
  status: string;
  rowsRead?: number;
  rowsRejected?: number;
  rowsLoaded?: number;
  chunksSent?: number;
  failureReason?: string;
  rejectsUrl?: string;
}

interface CreatedImport {
  importId: string;
  upload: { url: string; fields: Record<string, string> };
  expiresAt: string;
}

async function createImport(fileName: string, contentType: string): Promise<CreatedImport> {
  const created = await api<CreatedImport>('POST', '/imports', {
    token: adminToken(),
    body: { fileName, contentType },
  });
  expect(created.status).toBe(201);
  return created.body;
}

async function uploadFile(fileName: string, contentType: string, content: Buffer | string): Promise<string> {
  const { importId, upload } = await createImport(fileName, contentType);
  const response = await postForm(upload.url, upload.fields, content, contentType);
  expect(response.status).toBe(204);
  return importId;
}

function finished(importId: string): Promise<ImportJob> {
  return until(`import ${importId} to finish`, async () => {
    const { body } = await api<ImportJob>('GET', `/imports/${importId}`, { token: adminToken() });
    return body.status === 'COMPLETED' || body.status === 'FAILED' ? body : undefined;
  });
}

async function productRows(prefix: string) {
  const { rows } = await db().query<Record<string, unknown>>(
    `SELECT sku, name, description, category, price_cents, currency, stock
     FROM products WHERE sku LIKE $1 ORDER BY sku`,
    [`${prefix}-%`],
  );
  return rows;
}

/** Every edge case of the file format, with the SKUs prefixed so runs don't meet. */
function edgeCaseFile(p: string): string {
  const lines = [
    // Columns in another order, one unknown column, a BOM before the header, CRLF line ends.
    '\uFEFFSKU,Price,Name,Category,Currency,Stock,Description,Supplier',
    `${p}-1,12.50,"Sencha, first flush",tea,EUR,10,"Steamed; ""grassy""",Acme`,
    // A quoted newline, unicode, an LF-only line end in a CRLF file.
    `${p}-2,3,"Matcha 抹茶 ☕","tea",eur,0,"Line one\nLine two",Acme\n`,
    '',
    // A name that looks like SQL is only a name.
    ` ${p.toLowerCase()}-3 ,0.5,"Robert'); DROP TABLE products;--",mugs,EUR,7,,`,
    `${p}-4,12.345,Too precise,tea,EUR,1,,`,
    `${p}-5,abc,Not a price,tea,EUR,1,,`,
    `${p}-6,1.00,Negative stock,tea,EUR,-1,,`,
    `${p}-7,1.00,Unknown currency,tea,XYZ,1,,`,
    `${p}-8,1.00,Too few fields`,
    `BAD SKU!,1.00,Bad SKU,tea,EUR,1,,`,
    // The same SKU again: this later row wins.
    `${p}-1,13.00,"Sencha, second flush",tea,EUR,4,Later,Acme`,
    '',
  ];
  return lines.join('\r\n');
}

const expectedRows = (p: string) => [
  {
    sku: `${p}-1`,
    name: 'Sencha, second flush',
    description: 'Later',
    category: 'tea',
    price_cents: 1300,
    currency: 'EUR',
    stock: 4,
  },
  {
    sku: `${p}-2`,
    name: 'Matcha 抹茶 ☕',
    description: 'Line one\nLine two',
    category: 'tea',
    price_cents: 300,
    currency: 'EUR',
    stock: 0,
  },
  {
    sku: `${p}-3`,
    name: "Robert'); DROP TABLE products;--",
    description: '',
    category: 'mugs',
    price_cents: 50,
    currency: 'EUR',
    stock: 7,
  },
];

const prefix = () => `IMP${Math.random().toString(36).slice(2, 7).toUpperCase()}`;

describe('catalog imports on the local stack', () => {
  it.each([
    ['a CSV file', 'catalog.csv', 'text/csv', (text: string) => text],
    ['a gzipped CSV file', 'catalog.CSV.GZ', 'application/gzip', (text: string) => gzipSync(text)],
  ])(
    'loads %s: exactly the valid rows, the later row winning, the rest in the rejects report',
    async (_, fileName, type, encode) => {
      const p = prefix();
      const importId = await uploadFile(fileName, type, encode(edgeCaseFile(p)));

      const job = await finished(importId);

      expect(job).toMatchObject({ status: 'COMPLETED', rowsRead: 10, rowsRejected: 6, rowsLoaded: 4, chunksSent: 1 });
      expect(await productRows(p)).toEqual(expectedRows(p));
      const { body: product } = await api('GET', `/products/${p}-1`);
      expect(product).toMatchObject({ sku: `${p}-1`, name: 'Sencha, second flush', priceCents: 1300, stock: 4 });
      const { body: page } = await api<{ items: { sku: string }[] }>(
        'GET',
        `/products?q=${encodeURIComponent('抹茶')}`,
      );
      expect(page.items.map((item) => item.sku)).toContain(`${p}-2`);

      const report = await fetch(job.rejectsUrl!);
      expect(report.status).toBe(200);
      const rejects = parse<Record<string, string>>(await report.text(), { columns: true });
      expect(rejects.map((r) => [r.row, r.SKU])).toEqual([
        ['4', `${p}-4`],
        ['5', `${p}-5`],
        ['6', `${p}-6`],
        ['7', `${p}-7`],
        ['8', `${p}-8`],
        ['9', 'BAD SKU!'],
      ]);
      expect(rejects[0]!.reason).toMatch(/price "12.345"/);
      expect(rejects[1]!.reason).toMatch(/price "abc"/);
      expect(rejects[2]!.reason).toMatch(/stock "-1"/);
      expect(rejects[3]!.reason).toMatch(/currency/);
      expect(rejects[4]!.reason).toMatch(/has 3 fields, the header has 8/);
      expect(rejects[5]!.reason).toMatch(/sku/);
    },
  );

  it('changes nothing when S3 delivers the same upload event again', async () => {
    const p = prefix();
    const importId = await uploadFile('twice.csv', 'text/csv', edgeCaseFile(p));
    const first = await finished(importId);
    const before = await db().query('SELECT sku, version, updated_at FROM products WHERE sku LIKE $1 ORDER BY sku', [
      `${p}-%`,
    ]);

    // AWS's sample S3 event, pointed at the uploaded object, straight to the file processor.
    const key = `uploads/${importId}/twice.csv`;
    const bucket = process.env.SHELF_TEST_UPLOADS_BUCKET!;
    const { ETag } = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const [record] = s3SampleEvent.Records;
    const event = {
      Records: [
        {
          ...record,
          s3: {
            ...record!.s3,
            bucket: { ...record!.s3.bucket, name: bucket, arn: `arn:aws:s3:::${bucket}` },
            object: { ...record!.s3.object, key, eTag: ETag!.replaceAll('"', '') },
          },
        },
      ],
    };
    const invocation = await invokeFunction(process.env.SHELF_TEST_LAMBDA_URL!, 'shelf-local-processUpload', event);

    expect(invocation.payload).toEqual([{ outcome: 'ignored', reason: `import ${importId}: already-processed` }]);
    const after = await db().query('SELECT sku, version, updated_at FROM products WHERE sku LIKE $1 ORDER BY sku', [
      `${p}-%`,
    ]);
    expect(after.rows).toEqual(before.rows);
    const { body: again } = await api<ImportJob>('GET', `/imports/${importId}`, { token: adminToken() });
    expect({ ...again, rejectsUrl: undefined }).toEqual({ ...first, rejectsUrl: undefined });
  });

  it('fails the whole file, loading nothing, when a required column is missing', async () => {
    const p = prefix();
    const importId = await uploadFile(
      'no-price.csv',
      'text/csv',
      `sku,name,category,currency,stock\n${p}-1,A,tea,EUR,1\n`,
    );

    const job = await finished(importId);

    expect(job.status).toBe('FAILED');
    expect(job.failureReason).toMatch(/price/);
    expect(await productRows(p)).toEqual([]);
  });

  it('fails a gzip bomb at its first overlong row: FAILED naming the limit, no flood of rejects, nothing loaded', async () => {
    const p = prefix();
    // A valid row, then 50 MiB without a line break: about 50 KiB gzipped.
    const bomb = gzipSync(
      Buffer.concat([
        Buffer.from(`sku,name,category,price,currency,stock\n${p}-1,Fine,tea,1,EUR,1\n`),
        Buffer.alloc(50 * 1024 * 1024, 'a'),
      ]),
    );
    expect(bomb.length).toBeLessThan(100 * 1024);
    const importId = await uploadFile('bomb.csv.gz', 'application/gzip', bomb);

    const job = await finished(importId);

    expect(job).toMatchObject({
      status: 'FAILED',
      failureReason: expect.stringMatching(/^Row 2 is longer than 64 KiB .*not read past it$/),
    });
    expect(job.rowsRejected ?? 0).toBe(0);
    expect(job.rejectsUrl).toBeUndefined();
    expect(await productRows(p)).toEqual([]);
  });

  describe('the presigned upload, as S3 holds it to its policy', () => {
    const bucket = () => process.env.SHELF_TEST_UPLOADS_BUCKET!;

    async function stored(key: string): Promise<boolean> {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: bucket(), Key: key }));
        return true;
      } catch (error) {
        if ((error as Error).name === 'NotFound') return false;
        throw error;
      }
    }

    async function s3Error(response: Response) {
      const xml = await response.text();
      const element = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
      return { status: response.status, code: element('Code'), message: element('Message'), element };
    }

    /** The job as GET /imports shows it: still waiting for its file, or not. */
    const jobStatus = async (importId: string) =>
      (await api<ImportJob>('GET', `/imports/${importId}`, { token: adminToken() })).body.status;

    it('refuses a file over 1 GiB before it is sent (EntityTooLarge), storing nothing and starting no job', async () => {
      const { importId, upload } = await createImport('huge.csv', 'text/csv');
      const fileBytes = 1024 ** 3 + 1024 * 1024;
      // The form's fields and the first 64 KiB of a file announced (Content-Length) as 1 GiB + 1 MiB;
      // the rest is never sent: S3 answers from the announced length.
      const boundary = `shelf-${randomUUID()}`;
      const head = Buffer.from(
        [
          ...Object.entries(upload.fields).map(
            ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
          ),
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.csv"\r\nContent-Type: text/csv\r\n\r\n`,
        ].join(''),
      );
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);

      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const post = request(
          upload.url,
          {
            method: 'POST',
            headers: {
              'content-type': `multipart/form-data; boundary=${boundary}`,
              'content-length': head.length + fileBytes + tail.length,
            },
          },
          (response) => {
            const pieces: Buffer[] = [];
            response.on('data', (piece: Buffer) => pieces.push(piece));
            response.on('end', () => {
              resolve({ status: response.statusCode!, body: Buffer.concat(pieces).toString() });
              post.destroy();
            });
          },
        );
        post.on('error', reject);
        post.write(Buffer.concat([head, Buffer.alloc(64 * 1024, 'a')]));
      });

      expect(answer.status).toBe(400);
      expect(answer.body).toContain('<Code>EntityTooLarge</Code>');
      expect(answer.body).toContain(`<ProposedSize>${fileBytes}</ProposedSize>`);
      expect(answer.body).toContain(`<MaxSizeAllowed>${1024 ** 3}</MaxSizeAllowed>`);
      expect(await stored(upload.fields.key!)).toBe(false);
      expect(await jobStatus(importId)).toBe('PENDING');
    });

    it.each([
      ['another key', { key: 'uploads/0190f5b2-7c1e-7a3b-8c4d-5e6f7a8b9c0d/elsewhere.csv' }, '$key'],
      ['another content type', { 'Content-Type': 'application/gzip' }, '$Content-Type'],
    ])('refuses a POST with %s: 403 AccessDenied naming the condition, nothing stored', async (_, change, field) => {
      const { importId, upload } = await createImport('changed.csv', 'text/csv');
      const fields: Record<string, string> = { ...upload.fields, ...change };

      const error = await s3Error(await postForm(upload.url, fields, 'sku\n'));

      expect(error).toMatchObject({ status: 403, code: 'AccessDenied' });
      expect(error.message).toMatch(/^Invalid according to Policy: Policy Condition failed: \["eq", ?"/);
      expect(error.message!.toLowerCase()).toContain(field.toLowerCase());
      expect(await stored(upload.fields.key!)).toBe(false);
      expect(await stored(fields.key!)).toBe(false);
      expect(await jobStatus(importId)).toBe('PENDING');
    });

    it('refuses a policy raised by hand (its signature no longer matches) and a field the policy does not name', async () => {
      const { importId, upload } = await createImport('raised.csv', 'text/csv');
      const policy = JSON.parse(Buffer.from(upload.fields.Policy!, 'base64').toString()) as { conditions: unknown[] };
      const raised = {
        ...policy,
        conditions: policy.conditions.map((c) => (Array.isArray(c) ? ['content-length-range', 0, 1024 ** 4] : c)),
      };

      const tampered = await s3Error(
        await postForm(
          upload.url,
          { ...upload.fields, Policy: Buffer.from(JSON.stringify(raised)).toString('base64') },
          'sku\n',
        ),
      );
      const extra = await s3Error(await postForm(upload.url, { ...upload.fields, 'x-amz-meta-note': 'hi' }, 'sku\n'));
      const acl = await s3Error(await postForm(upload.url, { ...upload.fields, acl: 'public-read' }, 'sku\n'));

      expect(tampered).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
      expect(extra).toMatchObject({
        status: 403,
        code: 'AccessDenied',
        message: 'Invalid according to Policy: Extra input fields: x-amz-meta-note',
      });
      expect(acl).toMatchObject({ status: 403, code: 'AccessDenied', message: expect.stringContaining('acl') });
      expect(await stored(upload.fields.key!)).toBe(false);
      expect(await jobStatus(importId)).toBe('PENDING');
    });
  });

  it('applies chunks delivered out of order and twice as if each row came once, in file order', async () => {
    const p = prefix();
    const importId = uuidv7();
    const row = (n: number, sku: string, stock: number) => ({
      row: n,
      sku,
      name: `Row ${n}`,
      description: '',
      category: 'tea',
      priceCents: 100 * n,
      currency: 'EUR',
      stock,
    });
    const chunks = [
      { importId, chunk: 1, rows: [row(1, `${p}-A`, 1), row(2, `${p}-B`, 2)] },
      { importId, chunk: 2, rows: [row(3, `${p}-A`, 3)] },
      { importId, chunk: 3, rows: [row(4, `${p}-B`, 4), row(5, `${p}-A`, 5)] },
    ];
    // Last chunk first, and the first chunk twice.
    for (const chunk of [chunks[2], chunks[1], chunks[0], chunks[0]]) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: process.env.SHELF_TEST_IMPORT_QUEUE_URL,
          MessageBody: JSON.stringify(chunk),
        }),
      );
    }

    await until('all three chunks loaded', async () => {
      const { rows } = await db().query<{ n: string }>('SELECT count(*) AS n FROM import_chunks WHERE import_id = $1', [
        importId,
      ]);
      return Number(rows[0]!.n) === 3 ? true : undefined;
    });
    const rows = await productRows(p);
    expect(rows.map((r) => [r.sku, r.name, r.stock])).toEqual([
      [`${p}-A`, 'Row 5', 5],
      [`${p}-B`, 'Row 4', 4],
    ]);
    const { body } = await api('GET', `/products/${p}-A`);
    expect(body).toMatchObject({ name: 'Row 5', stock: 5 });
  });

  it('sends a poison chunk to the dead-letter queue after five tries while the others load', async () => {
    const p = prefix();
    const importId = uuidv7();
    const poison = JSON.stringify({ importId, chunk: 1, rows: [{ row: 1, sku: 'lower case is not a SKU' }] });
    const good = JSON.stringify({
      importId,
      chunk: 2,
      rows: [
        {
          row: 2,
          sku: `${p}-OK`,
          name: 'Fine',
          description: '',
          category: 'tea',
          priceCents: 1,
          currency: 'EUR',
          stock: 1,
        },
      ],
    });
    for (const body of [poison, good]) {
      await sqs.send(new SendMessageCommand({ QueueUrl: process.env.SHELF_TEST_IMPORT_QUEUE_URL, MessageBody: body }));
    }

    const deadLettered = await until(
      'the poison chunk in the dead-letter queue',
      async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: process.env.SHELF_TEST_IMPORT_DLQ_URL,
            MaxNumberOfMessages: 10,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        );
        const mine = Messages.find((m) => m.Body === poison);
        for (const message of Messages) {
          await sqs.send(
            new DeleteMessageCommand({
              QueueUrl: process.env.SHELF_TEST_IMPORT_DLQ_URL,
              ReceiptHandle: message.ReceiptHandle,
            }),
          );
        }
        return mine;
      },
      90_000,
    );

    expect(deadLettered.Body).toBe(poison);
    expect(await productRows(p)).toEqual([
      { sku: `${p}-OK`, name: 'Fine', description: '', category: 'tea', price_cents: 1, currency: 'EUR', stock: 1 },
    ]);
  });

  it('answers 400 for a file that is not CSV and 403 for a shopper', async () => {
    const notCsv = await api('POST', '/imports', {
      token: adminToken(),
      body: { fileName: 'catalog.xlsx', contentType: 'text/csv' },
    });
    const shopper = await api('POST', '/imports', {
      token: tokenFor('shopper'),
      body: { fileName: 'catalog.csv', contentType: 'text/csv' },
    });

    expect(notCsv.status).toBe(400);
    expect(notCsv.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.fileName' }] } });
    expect(shopper.status).toBe(403);
  });
});
