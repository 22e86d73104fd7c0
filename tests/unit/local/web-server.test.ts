// The local web server serves the built app as CloudFront does: the edge function's headers,
// per-file Cache-Control, index.html for client routes, plus the local-only config and sign-in.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { securityHeaders } from '../../../services/web/add-security-headers';
import { localAudience, localIssuer } from '../../../infra/local/local-issuer';
import { startWebServer, type RunningWebServer } from '../../../infra/local/web-server';

const apiUrl = 'http://127.0.0.1:3999';
const s3Endpoint = 'http://127.0.0.1:4999';
let root: string;
let server: RunningWebServer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'shelf-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><div id="app"></div>');
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  // The real route function comes from the template (tested in tests/template); this one has its rule.
  const viewerRequest = jest.fn((request: { uri: string; method: string }) => ({
    ...request,
    uri: /\.[a-z]+$/.test(request.uri) ? request.uri : '/index.html',
  }));
  server = await startWebServer({ port: 0, root, apiUrl, s3Endpoint, viewerRequest });
});

afterAll(async () => {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
});

const expectedHeaders = securityHeaders({ connectSources: [apiUrl, s3Endpoint] });

describe('local web server', () => {
  it('serves index.html with the edge function’s security headers and no-cache', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<div id="app">');
    for (const [name, value] of Object.entries(expectedHeaders)) expect(response.headers.get(name)).toBe(value);
    expect(response.headers.get('content-security-policy')).toContain(`connect-src 'self' ${apiUrl} ${s3Endpoint}`);
    expect(response.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves the file the route function picks: index.html for a client route, with the headers', async () => {
    const response = await fetch(`${server.url}/admin/imports/0190d3a1-0000-7000-8000-000000000000?x=1`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<div id="app">');
    expect(response.headers.get('content-security-policy')).toBe(expectedHeaders['content-security-policy']);
  });

  it('answers a missing file with 404, not with the app', async () => {
    const response = await fetch(`${server.url}/assets/gone-123.js`);
    expect(response.status).toBe(404);
  });

  it('lets hashed assets be cached for a year', async () => {
    const response = await fetch(`${server.url}/assets/index-abc123.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves /config.json pointing the app at the local API and local sign-in', async () => {
    const response = await fetch(`${server.url}/config.json`);
    expect(await response.json()).toEqual({ apiUrl, auth: { mode: 'local', tokenUrl: '/local-auth/token' } });
    expect(response.headers.get('cache-control')).toBe('no-cache');
  });

  it("names the local mailbox in /config.json when given one (the order notice's link)", async () => {
    const mailbox = 'http://127.0.0.1:8005/';
    const withMailbox = await startWebServer({ port: 0, root, apiUrl, s3Endpoint, viewerRequest: (r) => r, mailbox });
    try {
      const response = await fetch(`${withMailbox.url}/config.json`);
      expect(await response.json()).toMatchObject({ apiUrl, mailbox });
    } finally {
      await withMailbox.stop();
    }
  });

  it('signs a local token for the requested user and role', async () => {
    const response = await fetch(`${server.url}/local-auth/token`, {
      method: 'POST',
      body: JSON.stringify({ sub: 'ada', role: 'admin' }),
    });
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'ada', 'cognito:groups': ['admin'], iss: localIssuer, aud: localAudience });
  });

  it('refuses a token request naming a bad user id or role, field by field', async () => {
    const response = await fetch(`${server.url}/local-auth/token`, {
      method: 'POST',
      body: JSON.stringify({ sub: 'a b', role: 'root' }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; details: { field: string }[] } };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details.map((d) => d.field)).toEqual(['body.sub', 'body.role']);
  });

  it('answers a GET on the token endpoint and a POST elsewhere with 405', async () => {
    expect((await fetch(`${server.url}/local-auth/token`)).status).toBe(405);
    expect((await fetch(`${server.url}/`, { method: 'POST' })).status).toBe(405);
  });
});
