// S3UploadStore: presigned POST uploads and GET URLs, streaming reads, and the rejects report through lib-storage's
// Upload (one PutObject for a small report, a multipart upload for a large one).
import { createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'csv-parse/sync';
import { checkPostPolicy } from '../../../infra/local/aws/s3/s3-post-object';
import { S3UploadStore } from '../../../shared/adapters/s3/upload-store';
import type { RejectedRow } from '../../../shared/imports/catalog-file';
import { csvHeader } from './import-fixtures';

const bucket = 'shelf-test-uploads';
const s3 = mockClient(S3Client);
// Configured as shared/adapters/s3/client.ts configures the real one.
const client = new S3Client({
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const store = new S3UploadStore(client, bucket);

const header = csvHeader.split(',');
const rejected = (
  row: number,
  reason = 'price "abc" is not an amount',
  fields = ['A', 'n', '', 'tea', 'abc', 'EUR', '1'],
) => ({ row, line: row + 1, reason, fields }) satisfies RejectedRow;

/** A presigned URL's query parameters. */
const queryOf = (url: string) => Object.fromEntries(new URL(url).searchParams);

const bodyText = (body: unknown) => Buffer.from(body as Uint8Array).toString('utf8');

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({ ETag: '"report"' });
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  s3.on(UploadPartCommand).callsFake((input: { PartNumber?: number }) => ({ ETag: `"part-${input.PartNumber}"` }));
  s3.on(CompleteMultipartUploadCommand).resolves({});
  s3.on(AbortMultipartUploadCommand).resolves({});
});

describe('presigned uploads (POST)', () => {
  const key = 'uploads/0190f5b2-7c1e-7a3b-8c4d-5e6f7a8b9c0d/spring catalog.csv';
  const maxBytes = 1024 ** 3;

  const policyOf = (fields: Record<string, string>) =>
    JSON.parse(Buffer.from(fields.Policy!, 'base64').toString('utf8')) as { expiration: string; conditions: unknown[] };

  /** SigV4's signing key and signature over the policy, as AWS documents them, with node:crypto alone. */
  function expectedSignature(fields: Record<string, string>, secret: string) {
    const [, date, region, service, terminator] = fields['X-Amz-Credential']!.split('/');
    const hmac = (k: string | Buffer, data: string) => createHmac('sha256', k).update(data).digest();
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), terminator!);
    return createHmac('sha256', signingKey).update(fields.Policy!).digest('hex');
  }

  it('posts to the bucket, with a policy holding the upload to this key, this Content-Type and maxBytes', async () => {
    const before = Date.now();

    const { url, fields } = await store.presignUpload(key, 'text/csv', maxBytes, 900);

    expect(url).toBe(`https://${bucket}.s3.us-east-1.amazonaws.com/`);
    expect(fields).toEqual({
      bucket,
      key,
      'Content-Type': 'text/csv',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': expect.stringMatching(/^unit\/\d{8}\/us-east-1\/s3\/aws4_request$/),
      'X-Amz-Date': expect.stringMatching(/^\d{8}T\d{6}Z$/),
      Policy: expect.any(String),
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const policy = policyOf(fields);
    expect(policy.conditions).toEqual([
      { bucket },
      { key },
      { 'Content-Type': 'text/csv' },
      { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
      { 'X-Amz-Credential': fields['X-Amz-Credential'] },
      { 'X-Amz-Date': fields['X-Amz-Date'] },
      ['content-length-range', 0, maxBytes],
    ]);
    const expires = Date.parse(policy.expiration) - before;
    expect(expires).toBeGreaterThanOrEqual(899_000);
    expect(expires).toBeLessThan(905_000);
  });

  it('signs the base64 policy with the SigV4 signing key of the credentials, as S3 checks it', async () => {
    const { fields } = await store.presignUpload(key, 'text/csv', maxBytes, 900);

    expect(fields['X-Amz-Signature']).toBe(expectedSignature(fields, 'unit'));
    // And the local S3 front (infra/local/aws/s3/s3-post-object.ts) takes the form as it is.
    const form = Object.entries(fields).map(([name, value]) => ({ name, value }));
    await expect(checkPostPolicy(form, bucket, new Map([['unit', 'unit']]), new Date())).resolves.toEqual({
      minBytes: 0,
      maxBytes,
    });
  });

  it("adds a session token to the fields and the policy when the credentials have one (a function's do)", async () => {
    const temporary = new S3UploadStore(
      new S3Client({
        region: 'eu-west-1',
        credentials: { accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 'token-1' },
      }),
      bucket,
    );

    const { url, fields } = await temporary.presignUpload(key, 'application/gzip', 10, 60);

    expect(url).toBe(`https://${bucket}.s3.eu-west-1.amazonaws.com/`);
    expect(fields['X-Amz-Security-Token']).toBe('token-1');
    expect(fields['X-Amz-Credential']).toMatch(/^ASIA1\/\d{8}\/eu-west-1\/s3\/aws4_request$/);
    expect(policyOf(fields).conditions).toEqual(
      expect.arrayContaining([{ 'X-Amz-Security-Token': 'token-1' }, ['content-length-range', 0, 10]]),
    );
    expect(fields['X-Amz-Signature']).toBe(expectedSignature(fields, 's'));
  });

  it('posts to the bucket path-style on an S3 endpoint of its own (the local stack)', async () => {
    const local = new S3UploadStore(
      new S3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:4569', forcePathStyle: true }),
      bucket,
    );

    const { url } = await local.presignUpload(key, 'text/csv', maxBytes, 900);

    expect(url).toBe(`http://127.0.0.1:4569/${bucket}`);
  });
});

describe('presigned URLs', () => {
  it('signs a GET of the rejects report that downloads as an attachment named after the key', async () => {
    const url = await store.presignDownload('rejects/0190f5b2-7c1e-7a3b-8c4d-5e6f7a8b9c0d.csv', 300);

    expect(new URL(url).pathname).toBe('/rejects/0190f5b2-7c1e-7a3b-8c4d-5e6f7a8b9c0d.csv');
    expect(queryOf(url)).toMatchObject({
      'X-Amz-Expires': '300',
      'x-id': 'GetObject',
      'response-content-disposition': 'attachment; filename="0190f5b2-7c1e-7a3b-8c4d-5e6f7a8b9c0d.csv"',
    });
  });
});

describe('open', () => {
  it('streams the object from the bucket named in the call', async () => {
    // In Node.js the SDK's Body is an IncomingMessage: a Readable with helper methods the store does not use.
    const body = Readable.from([Buffer.from('sku\n'), Buffer.from('A\n')]) as unknown as GetObjectCommandOutput['Body'];
    s3.on(GetObjectCommand).resolves({ Body: body });

    const opened = await store.open('event-bucket', 'uploads/x/a.csv');

    const pieces: Buffer[] = [];
    for await (const piece of opened as AsyncIterable<Buffer>) pieces.push(Buffer.from(piece));
    expect(Buffer.concat(pieces).toString()).toBe('sku\nA\n');
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'event-bucket', Key: 'uploads/x/a.csv' });
  });

  it('refuses an object without a body', async () => {
    s3.on(GetObjectCommand).resolves({});

    await expect(store.open('b', 'uploads/x/a.csv')).rejects.toThrow('s3://b/uploads/x/a.csv has no body');
  });

  it('passes on S3 errors', async () => {
    s3.on(GetObjectCommand).rejects(new Error('NoSuchKey'));

    await expect(store.open('b', 'k')).rejects.toThrow('NoSuchKey');
  });
});

describe('rejects report', () => {
  it('writes nothing, and says so, when no row was rejected', async () => {
    const report = store.rejectsReport('event-bucket', 'rejects/x.csv');
    report.begin(header);

    expect(await report.finish()).toBe(false);
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('writes a small report with one PutObject: row,line,reason then the file header, then the rows', async () => {
    const report = store.rejectsReport('event-bucket', 'rejects/x.csv');
    report.begin(header);
    await report.add(rejected(2));
    await report.add(rejected(5, 'has 2 fields, the header has 7', ['B, with comma', 'multi\nline']));

    expect(await report.finish()).toBe(true);

    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(s3).not.toHaveReceivedCommand(CreateMultipartUploadCommand);
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      Bucket: 'event-bucket',
      Key: 'rejects/x.csv',
      ContentType: 'text/csv; charset=utf-8',
    });
    const text = bodyText(input.Body);
    expect(text.split('\n')[0]).toBe(`row,line,reason,${csvHeader}`);
    expect(parse(text, { relax_column_count: true })).toEqual([
      ['row', 'line', 'reason', ...header],
      ['2', '3', 'price "abc" is not an amount', 'A', 'n', '', 'tea', 'abc', 'EUR', '1'],
      // Padded to the header's seven fields.
      ['5', '6', 'has 2 fields, the header has 7', 'B, with comma', 'multi\nline', '', '', '', '', ''],
    ]);
  });

  it('writes uploaded fields a spreadsheet would run as formulas as text, and numbers as they are', async () => {
    const report = store.rejectsReport('b', 'rejects/x.csv');
    report.begin(header);
    await report.add(rejected(3, 'stock "-5" is below 0', ['=1+1', '@SUM(A1)', '+cmd', '\tx', '\r=2', '-5', '+3.5']));
    await report.finish();

    const text = bodyText(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body);
    expect(parse(text)[1]).toEqual([
      '3',
      '4',
      'stock "-5" is below 0',
      "'=1+1",
      "'@SUM(A1)",
      "'+cmd",
      "'\tx",
      "'\r=2",
      '-5',
      '+3.5',
    ]);
  });

  it('writes a row that could not be parsed with its number, line and reason, and empty fields', async () => {
    const report = store.rejectsReport('b', 'rejects/x.csv');
    report.begin(header);
    await report.add({ row: 9, line: 12, reason: 'a quote opened in this row is never closed', fields: [] });
    await report.finish();

    const text = bodyText(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body);
    expect(parse(text)[1]).toEqual(['9', '12', 'a quote opened in this row is never closed', ...header.map(() => '')]);
  });

  it('streams a report larger than a part as a multipart upload whose parts hold the whole report', async () => {
    const report = store.rejectsReport('b', 'rejects/big.csv');
    report.begin(header);
    const rows = 60_000;
    for (let row = 1; row <= rows; row++) await report.add(rejected(row, `reason ${'x'.repeat(60)}`));

    expect(await report.finish()).toBe(true);

    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(s3).toHaveReceivedCommandWith(CreateMultipartUploadCommand, {
      Bucket: 'b',
      Key: 'rejects/big.csv',
      ContentType: 'text/csv; charset=utf-8',
    });
    const parts = s3
      .commandCalls(UploadPartCommand)
      .map((call) => call.args[0].input)
      .sort((a, b) => a.PartNumber! - b.PartNumber!);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(parts.every((part) => part.UploadId === 'upload-1')).toBe(true);
    const text = parts.map((part) => bodyText(part.Body)).join('');
    const records: string[][] = parse(text);
    expect(records).toHaveLength(rows + 1);
    expect(records[0]).toEqual(['row', 'line', 'reason', ...header]);
    expect(records.at(-1)![0]).toBe(String(rows));
    expect(s3).toHaveReceivedCommandWith(CompleteMultipartUploadCommand, {
      UploadId: 'upload-1',
      MultipartUpload: {
        Parts: parts.map((part) =>
          expect.objectContaining({ PartNumber: part.PartNumber, ETag: `"part-${part.PartNumber}"` }),
        ),
      },
    });
  });

  it('surfaces a failed upload from finish', async () => {
    s3.on(PutObjectCommand).rejects(new Error('AccessDenied'));
    const report = store.rejectsReport('b', 'rejects/x.csv');
    report.begin(header);
    await report.add(rejected(1));

    await expect(report.finish()).rejects.toThrow('AccessDenied');
  });

  it('aborts quietly when nothing was written', async () => {
    const report = store.rejectsReport('b', 'rejects/x.csv');

    await expect(report.abort()).resolves.toBeUndefined();
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('aborts a report being written without storing it', async () => {
    const report = store.rejectsReport('b', 'rejects/x.csv');
    report.begin(header);
    await report.add(rejected(1));

    await expect(report.abort()).resolves.toBeUndefined();

    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(s3).not.toHaveReceivedCommand(CompleteMultipartUploadCommand);
  });

  it('aborting a multipart report under way tells S3 to drop its parts', async () => {
    // abort() aborts lib-storage's Upload, but the Upload only sends AbortMultipartUpload once it
    // has read its Body to the end, and the report never ends its stream on abort: the parts stay
    // in the bucket (until the lifecycle rule's 1 day), though the role may AbortMultipartUpload.
    const report = store.rejectsReport('b', 'rejects/x.csv');
    report.begin(header);
    for (let row = 1; row <= 60_000; row++) await report.add(rejected(row, `reason ${'x'.repeat(60)}`));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(s3).toHaveReceivedCommand(UploadPartCommand);

    await report.abort();
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(s3).not.toHaveReceivedCommand(CompleteMultipartUploadCommand);
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, {
      Bucket: 'b',
      Key: 'rejects/x.csv',
      UploadId: 'upload-1',
    });
  });
});
