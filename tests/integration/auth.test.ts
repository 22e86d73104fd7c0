// The local JWT authorizer behaves as API Gateway's: 401 before the function runs for any token
// it cannot trust; the function itself answers 403 for a trusted token with the wrong role.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { foreignPrivateKeyPem, localIssuer, signToken } from '../../infra/local/local-issuer';
import { repoRoot } from '../../infra/service-config';
import { api } from './helpers';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('authorization on the local stack', () => {
  it('accepts a token printed by `npm run token`', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'infra/local/token.ts'), '--role', 'shopper', '--sub', 'cli-user'],
      { cwd: repoRoot },
    );

    const response = await api('GET', '/orders', { token: stdout.trim() });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ items: [], nextCursor: null });
  });

  const rejected: [string, () => string | undefined][] = [
    ['no token', () => undefined],
    ['an expired token', () => signToken({ sub: 'late', role: 'shopper', expiresIn: -60 })],
    ['a token from another issuer', () => signToken({ sub: 'x', role: 'shopper', issuer: 'https://evil.example' })],
    ['a token for another audience', () => signToken({ sub: 'x', role: 'shopper', audience: 'someone-else' })],
    [
      'a token signed with another key',
      () => signToken({ sub: 'x', role: 'admin', privateKeyPem: foreignPrivateKeyPem() }),
    ],
    [
      'an unsigned token (alg none)',
      () =>
        `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'x', 'cognito:groups': ['admin'], iss: localIssuer, aud: 'shelf-local-web', exp: Math.floor(Date.now() / 1000) + 600 })}.`,
    ],
    [
      'a token whose payload was edited',
      () => {
        const [header, , signature] = signToken({ sub: 'x', role: 'shopper' }).split('.');
        const forged = base64url({
          sub: 'x',
          'cognito:groups': ['admin'],
          iss: localIssuer,
          aud: 'shelf-local-web',
          exp: Math.floor(Date.now() / 1000) + 600,
        });
        return `${header}.${forged}.${signature}`;
      },
    ],
    ['garbage', () => 'not-a-jwt'],
  ];

  it.each(rejected)('answers 401 to %s before the function runs', async (_name, token) => {
    const response = await api('GET', '/orders', { token: token() });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ message: 'Unauthorized' });
  });

  it("refuses claims injected through serverless-offline's override header", async () => {
    const claims = { jwt: { claims: { sub: 'mallory', 'cognito:groups': ['admin'] } } };

    const response = await api('PUT', '/products/HACKED-1', {
      headers: { 'sls-offline-authorizer-override': JSON.stringify(claims) },
      body: { name: 'x', category: 'tea', priceCents: 1, currency: 'EUR', stock: 1 },
    });

    expect(response.status).toBe(403);
    expect((await api('GET', '/products/HACKED-1')).status).toBe(404);
  });

  it("answers 403 when a valid token lacks the route's role", async () => {
    const response = await api('DELETE', '/products/TEA-SENCHA', { token: signToken({ sub: 'bob', role: 'shopper' }) });

    expect(response.status).toBe(403);
    expect(response.body.error).toMatchObject({ code: 'FORBIDDEN' });
    expect((await api('GET', '/products/TEA-SENCHA')).status).toBe(200);
  });

  it('keeps public routes public even with no token', async () => {
    expect((await api('GET', '/products')).status).toBe(200);
    expect((await api('GET', '/products/TEA-SENCHA')).status).toBe(200);
  });
});
