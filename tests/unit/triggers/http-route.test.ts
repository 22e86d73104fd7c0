import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { z } from 'zod';
import { handler as putProduct } from '../../../services/catalog/put-product';
import { handler as getHealth } from '../../../services/health/get-health';
import { PostgresProductRepository } from '../../../shared/adapters/postgres/product-repository';
import { httpRoute, maxBodyBytes } from '../../../shared/triggers/http-route';
import { ok } from '../../../shared/http/responses';
import jwtSample from '../../fixtures/events/apigw-v2-request-jwt-authorizer.json';
import sqsSample from '../../fixtures/events/sqs-event.json';
import { httpEvent, invoke, type HttpEventOptions } from '../../helpers/http-events';

// put-product is one of the handlers fed wrong events; its database must never be reached.
jest.mock('../../../shared/adapters/postgres/product-repository');
const upsert = jest.spyOn(PostgresProductRepository.prototype, 'upsert');

/** A route that echoes what httpRoute handed it. */
const echo = httpRoute(
  { roles: ['admin', 'shopper'], body: z.strictObject({ text: z.string() }) },
  ({ body, caller }) => Promise.resolve(ok({ body, caller })),
);

const echoEvent = (options: Partial<HttpEventOptions> = {}) =>
  httpEvent({
    method: 'POST',
    route: '/echo',
    body: { text: 'hello' },
    caller: { sub: 'user-1', role: 'shopper' },
    ...options,
  });

beforeEach(() => upsert.mockReset());

describe('httpRoute', () => {
  describe('given an event that is not an HTTP API payload 2.0 event', () => {
    it.each([
      ['the health handler', getHealth],
      ['the put-product handler', putProduct],
    ])('%s answers 500 INTERNAL to an SQS event, without details', async (_, handler) => {
      // when
      const response = await invoke(handler, structuredClone(sqsSample));

      // then
      expect(response.statusCode).toBe(500);
      expect(response.body).toEqual({ error: { code: 'INTERNAL', message: 'Unexpected event', details: null } });
      expect(JSON.stringify(response.body)).not.toMatch(/Records|messageId|SQSQueue|requestContext/);
      expect(upsert).not.toHaveBeenCalled();
    });

    it.each([
      ['undefined', undefined],
      ['an empty object', {}],
      ['a string', 'GET /health'],
    ])('answers 500 INTERNAL to %s', async (_, event) => {
      const response = await invoke(getHealth, event);

      expect(response.statusCode).toBe(500);
      expect(response.body).toEqual({ error: { code: 'INTERNAL', message: 'Unexpected event', details: null } });
    });

    it('answers 500 to an HTTP API event without headers', async () => {
      const { headers: _headers, ...event } = httpEvent({ method: 'GET', route: '/health' });

      const response = await invoke(getHealth, event);

      expect(response.statusCode).toBe(500);
      expect(response.body).toMatchObject({ error: { code: 'INTERNAL', details: null } });
    });
  });

  describe("given AWS's own jwt-authorizer sample event, unchanged", () => {
    it('accepts it on a public route (the health handler answers 200)', async () => {
      const response = await invoke(getHealth, structuredClone(jwtSample));

      expect(response.statusCode).toBe(200);
      expect(response.body).toEqual({ status: 'ok', service: 'shelf', stage: 'test' });
    });

    it('answers 401 on a role-checked route, because its claims carry no sub', async () => {
      const response = await invoke(putProduct, structuredClone(jwtSample));

      expect(response.statusCode).toBe(401);
      expect(response.body).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
      expect(upsert).not.toHaveBeenCalled();
    });
  });

  describe('given a valid event', () => {
    it('hands the route the parsed body and the caller from the claims', async () => {
      const response = await invoke(echo, echoEvent());

      expect(response.statusCode).toBe(200);
      expect(response.body).toEqual({ body: { text: 'hello' }, caller: { id: 'user-1', roles: ['shopper'] } });
    });

    it.each([
      ['a NUL', 'user\u00001'],
      ['half a surrogate pair', 'user-\ud800'],
      ['more than 255 characters', 'u'.repeat(256)],
    ])('refuses a token whose sub claim holds %s with 400 naming token.sub, before the route runs', async (_, sub) => {
      const response = await invoke(echo, echoEvent({ caller: { sub, role: 'shopper' } }));

      expect(response.statusCode).toBe(400);
      expect(response.body).toMatchObject({
        error: { code: 'VALIDATION_FAILED', details: [{ field: 'token.sub', message: expect.any(String) }] },
      });
    });

    it('decodes a base64-encoded body', async () => {
      const event = echoEvent({ rawBody: Buffer.from('{"text":"encoded"}').toString('base64') });
      event.isBase64Encoded = true;

      const response = await invoke(echo, event);

      expect(response.statusCode).toBe(200);
      expect(response.body).toMatchObject({ body: { text: 'encoded' } });
    });

    it('accepts a structured JSON media type such as application/merge-patch+json', async () => {
      const response = await invoke(echo, echoEvent({ headers: { 'content-type': 'application/merge-patch+json' } }));

      expect(response.statusCode).toBe(200);
    });

    it('refuses a media type that only starts like JSON (application/jsonp) with 415', async () => {
      const response = await invoke(echo, echoEvent({ headers: { 'content-type': 'application/jsonp' } }));

      expect(response.statusCode).toBe(415);
      expect(response.body).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    });

    it('refuses a body without a content-type with 415', async () => {
      const event: APIGatewayProxyEventV2WithJWTAuthorizer = echoEvent();
      delete event.headers['content-type'];

      const response = await invoke(echo, event);

      expect(response.statusCode).toBe(415);
    });

    it('accepts a body of exactly 64 KiB and refuses one byte more with 413, counting bytes not characters', async () => {
      const envelope = '{"text":""}'.length;
      const exact = JSON.stringify({ text: 'a'.repeat(maxBodyBytes - envelope) });
      // The same number of characters, but "é" is two bytes in UTF-8: one byte too many.
      const overByOne = JSON.stringify({ text: 'é' + 'a'.repeat(maxBodyBytes - envelope - 1) });

      const accepted = await invoke(echo, echoEvent({ rawBody: exact }));
      const refused = await invoke(echo, echoEvent({ rawBody: overByOne }));

      expect(Buffer.byteLength(exact)).toBe(maxBodyBytes);
      expect(accepted.statusCode).toBe(200);
      expect(overByOne.length).toBe(exact.length);
      expect(Buffer.byteLength(overByOne)).toBe(maxBodyBytes + 1);
      expect(refused.statusCode).toBe(413);
      expect(refused.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    });

    it("takes a route's own maxBodyBytes instead of 64 KiB, both ways", async () => {
      const envelope = '{"text":""}'.length;
      const larger = httpRoute({ body: z.strictObject({ text: z.string() }), maxBodyBytes: 256 * 1024 }, ({ body }) =>
        Promise.resolve(ok({ length: body.text.length })),
      );
      const smaller = httpRoute({ body: z.strictObject({ text: z.string() }), maxBodyBytes: 100 }, () =>
        Promise.resolve(ok({})),
      );
      const body = (bytes: number) => JSON.stringify({ text: 'a'.repeat(bytes - envelope) });

      const fits = await invoke(larger, echoEvent({ rawBody: body(256 * 1024), caller: undefined }));
      const tooLarge = await invoke(larger, echoEvent({ rawBody: body(256 * 1024 + 1), caller: undefined }));
      const tooLargeForSmall = await invoke(smaller, echoEvent({ rawBody: body(101), caller: undefined }));

      expect(fits.statusCode).toBe(200);
      expect(fits.body).toEqual({ length: 256 * 1024 - envelope });
      expect(tooLarge.statusCode).toBe(413);
      expect(tooLarge.body).toMatchObject({
        error: { code: 'PAYLOAD_TOO_LARGE', message: `The body must be at most ${256 * 1024} bytes` },
      });
      expect(tooLargeForSmall.statusCode).toBe(413);
    });

    it('hands the route the source IP API Gateway saw', async () => {
      const route = httpRoute({}, ({ sourceIp }) => Promise.resolve(ok({ sourceIp })));
      const event = echoEvent({ caller: undefined });
      event.requestContext.http.sourceIp = '203.0.113.7';

      const response = await invoke(route, event);

      expect(response.body).toEqual({ sourceIp: '203.0.113.7' });
    });

    it('checks the role before reading the body: a caller without a shop role gets 403, not 400', async () => {
      const event = echoEvent({ rawBody: 'not json' });
      event.requestContext.authorizer.jwt.claims['cognito:groups'] = '[guests]';

      const response = await invoke(echo, event);

      expect(response.statusCode).toBe(403);
      expect(response.body).toMatchObject({
        error: { code: 'FORBIDDEN', message: 'This route is for: admin, shopper' },
      });
    });

    it('answers 500 with the request id, and not the message, when the route throws', async () => {
      const failing = httpRoute({}, () => Promise.reject(new Error('password=hunter2')));

      const response = await invoke(failing, httpEvent({ method: 'GET', route: '/boom' }));

      expect(response.statusCode).toBe(500);
      expect(JSON.stringify(response.body)).not.toContain('hunter2');
      expect(response.body).toEqual({
        error: {
          code: 'INTERNAL',
          message: 'Something went wrong on our side. Quote the request id if you report it.',
          details: { requestId: 'LV7fzho-PHcEJPw=' },
        },
      });
    });
  });
});
