// The local S3 front's POST object: reading a multipart form up to its file, the file's content
// however the body is cut into pieces, and the policy checks, against forms the real presigned
// POST (S3UploadStore) signs.
import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  checkPostPolicy,
  fileContent,
  maxPreDataBytes,
  readFormHead,
  type FormField,
} from '../../../../infra/local/aws/s3/s3-post-object';
import { parseAmzDate, S3Refusal } from '../../../../infra/local/aws/s3/s3-signature';
import { S3UploadStore } from '../../../../shared/adapters/s3/upload-store';

const boundary = 'xYzZY';

function formBody(fields: Record<string, string>, file: string, after = ''): Buffer {
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  return Buffer.from(
    `${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n` +
      `Content-Type: text/csv\r\n\r\n${file}\r\n--${boundary}--\r\n${after}`,
  );
}

/** The body as an iterator of pieces of `size` bytes (0: one piece). */
function pieces(body: Buffer, size = 0): AsyncIterator<Buffer> {
  const list: Buffer[] = [];
  if (size <= 0) list.push(body);
  else for (let at = 0; at < body.length; at += size) list.push(body.subarray(at, at + size));
  return Readable.from(list)[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
}

async function readForm(body: Buffer, size = 0) {
  const iterator = pieces(body, size);
  const head = await readFormHead(iterator, boundary);
  const file: Buffer[] = [];
  for await (const piece of fileContent(head.rest, iterator, boundary)) file.push(piece);
  return { fields: head.fields, head: head.head.toString(), file: Buffer.concat(file).toString() };
}

async function refusal(promise: Promise<unknown>): Promise<S3Refusal> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(S3Refusal);
  return error as S3Refusal;
}

describe('reading a POST object form', () => {
  // Content that looks like the delimiter's start without being it.
  const file = `sku\r\nA\r\n--xYz\r\n--${boundary.slice(0, 3)}\r\n-`;

  it.each([
    ['in one piece', 0],
    ['byte by byte', 1],
    ['in pieces of 5 bytes', 5],
  ])('gives the fields before the file and the file exactly, %s', async (_, size) => {
    const body = formBody({ key: 'uploads/a.csv', 'Content-Type': 'text/csv' }, file);

    const form = await readForm(body, size);

    expect(form.fields).toEqual([
      { name: 'key', value: 'uploads/a.csv' },
      { name: 'Content-Type', value: 'text/csv' },
    ]);
    expect(form.file).toBe(file);
    expect(body.toString().startsWith(form.head)).toBe(true);
    expect(form.head.endsWith('Content-Type: text/csv\r\n\r\n')).toBe(true);
  });

  it('ignores the fields after the file, as S3 does', async () => {
    const body = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="acl"\r\n\r\npublic-read\r\n--${boundary}--\r\n`,
    );

    const form = await readForm(body, 3);

    expect(form.fields).toEqual([{ name: 'key', value: 'k' }]);
    expect(form.file).toBe('abc');
  });

  it('refuses a form without a file, fields too long before it, and a body cut short', async () => {
    const noFile = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n--${boundary}--\r\n`,
    );
    const longFields = formBody({ key: 'k', 'x-ignore-padding': 'p'.repeat(maxPreDataBytes) }, 'abc');
    const cut = formBody({ key: 'k' }, 'abcdef').subarray(0, -10);

    expect(await refusal(readForm(noFile))).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(await refusal(readForm(longFields, 1024))).toMatchObject({
      status: 400,
      code: 'MaxPostPreDataLengthExceeded',
    });
    expect(await refusal(readForm(longFields))).toMatchObject({ code: 'MaxPostPreDataLengthExceeded' });
    expect(await refusal(readForm(cut))).toMatchObject({ status: 400, code: 'IncompleteBody' });
  });
});

describe('checking a POST policy', () => {
  const bucket = 'shelf-test-uploads';
  const secrets = new Map([['AKIDLOCAL', 'local-secret']]);
  const store = new S3UploadStore(
    new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' } }),
    bucket,
  );
  const key = 'uploads/0190f5b2-7c1e-7a3b-8c4d-5e6f7a8b9c0d/a.csv';
  const asForm = (fields: Record<string, string>): FormField[] =>
    Object.entries(fields).map(([name, value]) => ({ name, value }));
  const signedForm = async (maxBytes = 1000, seconds = 60) =>
    (await store.presignUpload(key, 'text/csv', maxBytes, seconds)).fields;
  const check = (fields: Record<string, string> | FormField[], at = new Date()) =>
    checkPostPolicy(Array.isArray(fields) ? fields : asForm(fields), bucket, secrets, at);

  it('takes the form as signed, field names in any case, and gives its size range', async () => {
    const fields = await signedForm(1000);
    const lowerCased = Object.fromEntries(Object.entries(fields).map(([name, value]) => [name.toLowerCase(), value]));

    await expect(check(fields)).resolves.toEqual({ minBytes: 0, maxBytes: 1000 });
    await expect(check(lowerCased)).resolves.toEqual({ minBytes: 0, maxBytes: 1000 });
    await expect(check({ ...fields, 'x-ignore-note': 'not policed' })).resolves.toEqual({
      minBytes: 0,
      maxBytes: 1000,
    });
  });

  it.each([
    ['another key', { key: 'uploads/other.csv' }, 'Policy Condition failed: ["eq","$key"'],
    ['another Content-Type', { 'Content-Type': 'application/gzip' }, 'Policy Condition failed: ["eq","$content-type"'],
    ['a field the policy does not name', { success_action_status: '201' }, 'Extra input fields: success_action_status'],
    ['an ACL', { acl: 'public-read' }, 'Extra input fields: acl'],
  ])('refuses %s: 403 AccessDenied', async (_, change, message) => {
    const error = await refusal(check({ ...(await signedForm()), ...change }));

    expect(error).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(error.message).toContain(message);
  });

  it('refuses a form posted to another bucket than its policy names', async () => {
    const fields = await signedForm();

    const error = await refusal(checkPostPolicy(asForm(fields), 'another-bucket', secrets, new Date()));

    expect(error.message).toContain('Policy Condition failed: ["eq","$bucket","shelf-test-uploads"]');
  });

  it('refuses an edited policy (SignatureDoesNotMatch), an expired one, and an unknown access key', async () => {
    const fields = await signedForm(1000, 60);
    const policy = JSON.parse(Buffer.from(fields.Policy!, 'base64').toString()) as { conditions: unknown[] };
    policy.conditions = policy.conditions.map((c) => (Array.isArray(c) ? ['content-length-range', 0, 10 ** 12] : c));
    const edited = { ...fields, Policy: Buffer.from(JSON.stringify(policy)).toString('base64') };

    expect(await refusal(check(edited))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await refusal(check(fields, new Date(Date.now() + 61_000)))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy expired.',
    });
    expect(
      await refusal(checkPostPolicy(asForm(fields), bucket, new Map([['SOMEONE', 'x']]), new Date())),
    ).toMatchObject({ status: 403, code: 'InvalidAccessKeyId' });
  });

  it('refuses an anonymous form: no policy, no signature', async () => {
    expect(await refusal(check({ key, 'Content-Type': 'text/csv' }))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: 'Access Denied',
    });
  });

  it('reads starts-with conditions', async () => {
    // A policy of our own, signed as S3UploadStore signs one, with a starts-with on the key.
    const fields = await signedForm();
    const policy = JSON.parse(Buffer.from(fields.Policy!, 'base64').toString()) as { conditions: unknown[] };
    policy.conditions = policy.conditions.map((c) =>
      (c as { key?: string }).key ? ['starts-with', '$key', 'uploads/'] : c,
    );
    const encoded = Buffer.from(JSON.stringify(policy)).toString('base64');
    const signingDate = parseAmzDate(fields['X-Amz-Date'])!;
    const signature = await new SignatureV4({
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      region: 'us-east-1',
      service: 's3',
      sha256: Sha256,
    }).sign(encoded, { signingDate });
    const signed = { ...fields, Policy: encoded, 'X-Amz-Signature': signature };

    await expect(check({ ...signed, key: 'uploads/anything.csv' })).resolves.toEqual({ minBytes: 0, maxBytes: 1000 });
    expect((await refusal(check({ ...signed, key: 'rejects/x.csv' }))).message).toContain(
      'Policy Condition failed: ["starts-with","$key","uploads/"]',
    );
  });
});
