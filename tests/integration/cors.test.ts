// The HTTP API lets a browser call it from the web app's own origin only: locally the local web
// server's, by either name; deployed, the CloudFront distribution's (checked in tests/template).
import { apiUrl } from './helpers';

const webOrigin = () => new URL(process.env.SHELF_TEST_WEB_URL!).origin;
const webOriginByName = () => webOrigin().replace('127.0.0.1', 'localhost');

/** What a browser asks before POST /orders with a token and an Idempotency-Key. */
const preflight = (origin: string) =>
  fetch(`${apiUrl()}/orders`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,idempotency-key',
    },
  });

describe('CORS on the local HTTP API', () => {
  it.each([
    ['127.0.0.1', webOrigin],
    ['localhost', webOriginByName],
  ])('allows a preflight from the web app by %s', async (_, origin) => {
    const response = await preflight(origin());

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin());
    expect(response.headers.get('access-control-allow-methods')?.split(',')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']),
    );
  });

  it.each(['http://evil.example', 'http://127.0.0.1:1', 'null'])(
    'gives a preflight from %s no Access-Control-Allow-Origin',
    async (origin) => {
      const response = await preflight(origin);

      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-headers')).toBeNull();
    },
  );

  it("answers the web app's requests with its origin allowed", async () => {
    const response = await fetch(`${apiUrl()}/products?limit=1`, { headers: { origin: webOrigin() } });

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(webOrigin());
  });
});
