// The local S3 (s3rver behind infra/local/s3-front.ts) refuses what S3 refuses for a private
// bucket with ACLs disabled: a presigned URL is good for its own method, key, signed headers and
// lifetime only; every x-amz-* header must be signed; nobody anonymous gets in; a signed request
// with a wrong key is refused; a form upload (POST object) keeps to its signed policy. The good
// presigned upload, the SDK's own calls and CORS preflights still work.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { S3UploadStore } from '../../shared/adapters/s3/upload-store';

const endpoint = process.env.SHELF_TEST_S3_URL!;
const bucket = process.env.SHELF_TEST_UPLOADS_BUCKET!;
const webOrigin = process.env.SHELF_TEST_WEB_URL!;

const clientWith = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
  new S3Client({ endpoint, region: process.env.SHELF_TEST_REGION, forcePathStyle: true, credentials });
const s3 = clientWith({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

/** A key outside uploads/, so no upload triggers the file processor. */
const aKey = () => `it-local-s3/${randomUUID()}.csv`;

/** S3's XML error: its code, message and the other elements. */
async function s3Error(response: Response) {
  const xml = await response.text();
  const element = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  return { status: response.status, code: element('Code'), message: element('Message'), element };
}

async function stored(key: string): Promise<string | undefined> {
  try {
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await Body!.transformToString();
  } catch (error) {
    if ((error as S3ServiceException).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

async function sdkError(promise: Promise<unknown>): Promise<{ name: string; status?: number }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(S3ServiceException);
  return { name: (error as S3ServiceException).name, status: (error as S3ServiceException).$metadata.httpStatusCode };
}

const presignPut = (key: string, options: { expiresIn?: number; signingDate?: Date; acl?: 'public-read' } = {}) =>
  getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: 'text/csv', ACL: options.acl }), {
    expiresIn: options.expiresIn ?? 60,
    signingDate: options.signingDate,
    signableHeaders: new Set(['content-type']),
  });

const put = (url: string, headers: Record<string, string> = { 'content-type': 'text/csv' }) =>
  fetch(url, { method: 'PUT', headers, body: 'sku\nA\n' });

describe('presigned URLs on the local S3', () => {
  it('stores the upload of a presigned PUT sent as it was signed', async () => {
    const key = aKey();

    const response = await put(await presignPut(key));

    expect(response.status).toBe(200);
    expect(await stored(key)).toBe('sku\nA\n');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ContentType).toBe('text/csv');
  });

  it('serves a presigned GET (the rejects report link)', async () => {
    const key = aKey();
    expect((await put(await presignPut(key))).status).toBe(200);

    const response = await fetch(await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key })));

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('sku\nA\n');
  });

  it.each([
    [
      'a tampered signature',
      (url: string) =>
        url.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`),
      { 'content-type': 'text/csv' },
    ],
    ['another key', (url: string) => url.replace('.csv?', '-other.csv?'), { 'content-type': 'text/csv' }],
    ['another content type', (url: string) => url, { 'content-type': 'application/gzip' }],
    ['another method', (url: string) => url, undefined],
  ])('refuses a presigned PUT with %s: 403 SignatureDoesNotMatch, nothing stored', async (_, change, headers) => {
    const key = aKey();
    const url = change(await presignPut(key));

    const response = headers ? await put(url, headers) : await fetch(url, { method: 'DELETE' });

    const error = await s3Error(response);
    expect(error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(error.element('AWSAccessKeyId')).toBe('S3RVER');
    expect(await stored(key)).toBeUndefined();
    expect(await stored(key.replace('.csv', '-other.csv'))).toBeUndefined();
  });

  it('refuses an x-amz-acl header the URL did not sign: 403 AccessDenied naming it, nothing stored', async () => {
    const key = aKey();

    const response = await put(await presignPut(key), { 'content-type': 'text/csv', 'x-amz-acl': 'public-read' });

    const error = await s3Error(response);
    expect(error).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: 'There were headers present in the request which were not signed',
    });
    expect(error.element('HeadersNotSigned')).toBe('x-amz-acl');
    expect(await stored(key)).toBeUndefined();
  });

  it('refuses a public-read ACL even when signed, as a bucket with ACLs disabled does: 400', async () => {
    const key = aKey();

    const presigned = await put(await presignPut(key, { acl: 'public-read' }));
    const sdk = await sdkError(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x', ACL: 'public-read' })),
    );

    expect(await s3Error(presigned)).toMatchObject({ status: 400, code: 'AccessControlListNotSupported' });
    expect(sdk).toEqual({ name: 'AccessControlListNotSupported', status: 400 });
    expect(await stored(key)).toBeUndefined();
  });

  it('refuses an expired URL: 403 AccessDenied "Request has expired", nothing stored', async () => {
    const key = aKey();
    const url = await presignPut(key, { expiresIn: 60, signingDate: new Date(Date.now() - 10 * 60_000) });

    const error = await s3Error(await put(url));

    expect(error).toMatchObject({ status: 403, code: 'AccessDenied', message: 'Request has expired' });
    expect(error.element('X-Amz-Expires')).toBe('60');
    expect(await stored(key)).toBeUndefined();
  });
});

describe('anonymous and wrongly signed requests on the local S3', () => {
  let key: string;
  beforeAll(async () => {
    key = aKey();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'secret', ContentType: 'text/csv' }));
  });

  it.each([
    ['GET of an object', () => fetch(`${endpoint}/${bucket}/${key}`)],
    ['ListBucket', () => fetch(`${endpoint}/${bucket}?list-type=2`)],
    ['ListBuckets', () => fetch(`${endpoint}/`)],
    ['PUT of an object', () => fetch(`${endpoint}/${bucket}/${key}`, { method: 'PUT', body: 'overwritten' })],
    ['DELETE of an object', () => fetch(`${endpoint}/${bucket}/${key}`, { method: 'DELETE' })],
  ])('refuses an anonymous %s: 403 AccessDenied', async (_, send) => {
    const error = await s3Error(await send());

    expect(error).toMatchObject({ status: 403, code: 'AccessDenied', message: 'Access Denied' });
    expect(await stored(key)).toBe('secret');
  });

  it('refuses the SDK signing with a wrong secret, and an unknown access key', async () => {
    const wrongSecret = clientWith({ accessKeyId: 'S3RVER', secretAccessKey: 'not-the-secret' });
    const unknownKey = clientWith({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'S3RVER' });

    expect(await sdkError(wrongSecret.send(new GetObjectCommand({ Bucket: bucket, Key: key })))).toEqual({
      name: 'SignatureDoesNotMatch',
      status: 403,
    });
    expect(await sdkError(unknownKey.send(new ListObjectsV2Command({ Bucket: bucket })))).toEqual({
      name: 'InvalidAccessKeyId',
      status: 403,
    });
    expect(
      await sdkError(wrongSecret.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'overwritten' }))),
    ).toEqual({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(await stored(key)).toBe('secret');
  });

  it('serves the SDK signing with the right key', async () => {
    const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));

    expect(Contents.map((c) => c.Key)).toEqual([key]);
  });

  it("answers the web app's CORS preflight without credentials, as S3 does", async () => {
    const response = await fetch(`${endpoint}/${bucket}`, {
      method: 'OPTIONS',
      headers: { origin: webOrigin, 'access-control-request-method': 'POST' },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toMatch(/^(\*|http:\/\/127\.0\.0\.1:\d+)$/);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });
});

describe('POST object (browser form uploads) on the local S3', () => {
  const uploads = new S3UploadStore(s3, bucket);

  /** The form as multipart/form-data, sent in chunks with no Content-Length: S3 must count the file. */
  function postChunked(url: string, fields: Record<string, string>, file: Buffer) {
    const boundary = `shelf-${randomUUID()}`;
    const parts = [
      ...Object.entries(fields).map(
        ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.csv"\r\nContent-Type: text/csv\r\n\r\n`,
    ];
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const post = request(
        url,
        {
          method: 'POST',
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
        },
        (response) => {
          const pieces: Buffer[] = [];
          response.on('data', (piece: Buffer) => pieces.push(piece));
          response.on('end', () => resolve({ status: response.statusCode!, body: Buffer.concat(pieces).toString() }));
        },
      );
      post.on('error', reject);
      for (const part of parts) post.write(part);
      // The file in small pieces, as a slow browser would send it.
      for (let at = 0; at < file.length; at += 7) post.write(file.subarray(at, at + 7));
      post.end(`\r\n--${boundary}--\r\n`);
    });
  }

  function postForm(url: string, fields: Record<string, string>, content: string) {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([content], { type: 'text/csv' }), 'f.csv');
    return fetch(url, { method: 'POST', body: form });
  }

  it('stores a form upload that keeps to its policy, with the Content-Type it names', async () => {
    const key = aKey();
    const { url, fields } = await uploads.presignUpload(key, 'text/csv', 100, 60);

    const response = await postForm(url, fields, 'sku\nA\n');

    expect(response.status).toBe(204);
    expect(await stored(key)).toBe('sku\nA\n');
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentType).toBe('text/csv');
  });

  it('counts the file as it arrives: one byte over content-length-range is EntityTooLarge, nothing stored', async () => {
    const [fits, over] = [aKey(), aKey()];
    const signed = async (key: string) => uploads.presignUpload(key, 'text/csv', 100, 60);

    const good = await signed(fits).then(({ url, fields }) => postChunked(url, fields, Buffer.alloc(100, 'a')));
    const tooLarge = await signed(over).then(({ url, fields }) => postChunked(url, fields, Buffer.alloc(101, 'a')));

    expect(good.status).toBe(204);
    expect(await stored(fits)).toBe('a'.repeat(100));
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.body).toContain('<Code>EntityTooLarge</Code>');
    expect(tooLarge.body).toContain('<MaxSizeAllowed>100</MaxSizeAllowed>');
    expect(await stored(over)).toBeUndefined();
  });

  it('refuses an expired policy and an anonymous form: 403 AccessDenied, nothing stored', async () => {
    const key = aKey();
    const expired = await uploads.presignUpload(key, 'text/csv', 100, -1);

    const late = await s3Error(await postForm(expired.url, expired.fields, 'sku\n'));
    const anonymous = await s3Error(await postForm(expired.url, { key, 'Content-Type': 'text/csv' }, 'sku\n'));

    expect(late).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy expired.',
    });
    expect(anonymous).toMatchObject({ status: 403, code: 'AccessDenied', message: 'Access Denied' });
    expect(await stored(key)).toBeUndefined();
  });

  it('lets the web app read a refusal: CORS headers on the error for its origin', async () => {
    const { url, fields } = await uploads.presignUpload(aKey(), 'text/csv', 100, 60);
    const form = new FormData();
    for (const [name, value] of Object.entries({ ...fields, 'Content-Type': 'application/gzip' }))
      form.append(name, value);
    form.append('file', new Blob(['x']), 'f.csv');

    const response = await fetch(url, { method: 'POST', body: form, headers: { origin: webOrigin } });

    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBe(webOrigin);
  });
});
