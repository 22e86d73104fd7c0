// Answering CloudFormation: the body within its 4096-byte limit, the PUT to the presigned URL
// (a local HTTP server here) and which failures are tried again; and failure reasons without stacks.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { failureReason } from '../../../shared/triggers/custom-resource';
import {
  maxResponseBytes,
  responseBody,
  ResponseTooLargeError,
  sendCustomResourceResponse,
  type CustomResourceResponse,
} from '../../../shared/adapters/cloudformation/custom-resource-response';

const response: CustomResourceResponse = {
  Status: 'FAILED',
  Reason: 'Migration 003-reviews.sql failed: relation "reviews" already exists',
  PhysicalResourceId: 'DatabaseMigrations',
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/shelf-sandbox/0f5b3c2e',
  RequestId: '2b7f0ae0-9a1e-4c0e-8f6a-1d2c3b4a5e6f',
  LogicalResourceId: 'DatabaseMigrations',
  NoEcho: false,
};

describe('responseBody', () => {
  it('is the response as JSON when it fits', () => {
    expect(JSON.parse(responseBody(response))).toEqual(response);
  });

  it('cuts a long reason, on a character boundary, to fit 4096 bytes with the rest intact', () => {
    // Multi-byte characters and characters JSON escapes: bytes, not characters, are what count.
    const reason = `Migration 004-ünïcödé.sql failed: ${'naïve "quoted" text ✓ '.repeat(400)}`;
    const body = responseBody({ ...response, Reason: reason });

    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(maxResponseBytes);
    expect(Buffer.byteLength(body)).toBeGreaterThan(maxResponseBytes - 16);
    const parsed = JSON.parse(body);
    expect(parsed.Reason).toMatch(/^Migration 004-ünïcödé\.sql failed: naïve "quoted" text ✓ /);
    expect(parsed.Reason.endsWith('…')).toBe(true);
    expect(reason.startsWith(parsed.Reason.slice(0, -1))).toBe(true);
    expect({ ...parsed, Reason: undefined }).toEqual({ ...response, Reason: undefined });
  });

  it('refuses a response too large even without its reason', () => {
    expect(() => responseBody({ ...response, Data: { applied: 'x'.repeat(5000) } })).toThrow(ResponseTooLargeError);
  });
});

describe('sendCustomResourceResponse', () => {
  /** Statuses the server answers in turn (then 200); 0 = never answer. */
  let script: number[] = [];
  let requests: { method: string; contentType: string | undefined; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({ method: req.method!, contentType: req.headers['content-type'], body });
      const status = script.shift() ?? 200;
      if (status === 0) return; // hangs: the client's own timeout must give up
      res.statusCode = status;
      res.end(status === 200 ? '' : `<Error><Code>${status}</Code></Error>`);
    });
  });
  let url: string;

  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response?X-Amz-Signature=secret-signature`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    script = [];
    requests = [];
  });

  const fast = { retryDelayMs: 10, attemptTimeoutMs: 300 };

  it('PUTs the JSON body with an empty content type, once when S3 accepts it', async () => {
    await sendCustomResourceResponse(url, response, fast);
    expect(requests).toEqual([{ method: 'PUT', contentType: '', body: JSON.stringify(response) }]);
  });

  it('tries again after a 500, a 429 and a request that hangs, then succeeds', async () => {
    script = [500, 429, 0];
    await sendCustomResourceResponse(url, response, { ...fast, attempts: 4 });
    expect(requests).toHaveLength(4);
    expect(new Set(requests.map((r) => r.body))).toEqual(new Set([JSON.stringify(response)]));
  });

  it('gives up after the tries, saying why, without the URL signature', async () => {
    script = [503, 503, 503];
    const error = await sendCustomResourceResponse(url, response, fast).catch((e: Error) => e);
    expect(requests).toHaveLength(3);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^Could not answer CloudFormation at http:\/\/127\.0\.0\.1:\d+\/response \(3 tries\): The response URL answered 503/,
    );
    expect((error as Error).message).not.toContain('secret-signature');
  });

  it('does not try again when S3 refuses the URL (403: expired or not signed for this)', async () => {
    script = [403];
    await expect(sendCustomResourceResponse(url, response, fast)).rejects.toThrow(
      /\(1 tries\): The response URL answered 403/,
    );
    expect(requests).toHaveLength(1);
  });
});

describe('failureReason', () => {
  it('is the message on one line, with no stack frames', () => {
    const error = new Error(
      'Migration 002-x.sql failed: syntax error at or near "CREAT"\n    at Object.query (/var/task/x.js:1:2)',
    );
    expect(failureReason(error)).toBe('Migration 002-x.sql failed: syntax error at or near "CREAT"');
  });

  it("adds PostgreSQL's SQLSTATE from the error or what it wraps, but not a Node.js error code", () => {
    const pgError = Object.assign(new Error('duplicate key value violates unique constraint "products_pkey"'), {
      code: '23505',
    });
    expect(failureReason(new Error(`Migration 005-seed.sql failed: ${pgError.message}`, { cause: pgError }))).toBe(
      'Migration 005-seed.sql failed: duplicate key value violates unique constraint "products_pkey" (SQLSTATE 23505)',
    );
    expect(failureReason(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBe('write EPIPE');
  });

  it("lists an AggregateError's errors (Node's connection error for several addresses has no message)", () => {
    const error = new AggregateError([
      new Error('connect ECONNREFUSED 10.20.0.5:5432'),
      new Error('connect ETIMEDOUT 10.20.16.7:5432'),
    ]);
    expect(failureReason(error)).toBe('connect ECONNREFUSED 10.20.0.5:5432; connect ETIMEDOUT 10.20.16.7:5432');
    expect(failureReason('a string')).toBe('a string');
    expect(failureReason(new Error(''))).toBe('Unknown error');
  });
});
