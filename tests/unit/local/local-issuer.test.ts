// The local issuer's signing key lives in the local data directory, wherever SHELF_DATA_DIR puts
// it: `npm run token`, the stack's authorizer (inside serverless-offline) and the tests must all
// sign and verify with the same key, or every token is a 401.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDataDir } from '../../../infra/local/data-dir';
import { signingKeyFile, signToken } from '../../../infra/local/local-issuer';
import { repoRoot } from '../../../infra/service-config';

const saved = process.env.SHELF_DATA_DIR;
const made: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'shelf-issuer-'));
  made.push(dir);
  return dir;
};

afterEach(() => {
  if (saved === undefined) delete process.env.SHELF_DATA_DIR;
  else process.env.SHELF_DATA_DIR = saved;
});
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** The authorizer as serverless-offline loads it: a fresh module, reading the environment it finds. */
function authorizerWith(dataDir: string): typeof import('../../../infra/local/offline-authorizer') {
  process.env.SHELF_DATA_DIR = dataDir;
  let authorizer!: typeof import('../../../infra/local/offline-authorizer');
  jest.isolateModules(() => {
    // The .ts module itself: jest would otherwise pick offline-authorizer.cjs, serverless-offline's entry.
    authorizer = jest.requireActual('../../../infra/local/offline-authorizer.ts');
  });
  return authorizer;
}

const kidOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

describe('local data directory', () => {
  it('is .local/ in the repo by default, SHELF_DATA_DIR when set, relative paths from the repo root', () => {
    expect(localDataDir({})).toBe(join(repoRoot, '.local'));
    expect(localDataDir({ SHELF_DATA_DIR: '/srv/shelf' })).toBe('/srv/shelf');
    expect(localDataDir({ SHELF_DATA_DIR: 'elsewhere/data' })).toBe(join(repoRoot, 'elsewhere', 'data'));
  });
});

describe('local issuer key', () => {
  it('is made under SHELF_DATA_DIR, not in the repo’s .local/', () => {
    const dataDir = freshDir();
    process.env.SHELF_DATA_DIR = dataDir;

    const token = signToken({ sub: 'ada', role: 'admin' });

    const keyFile = join(dataDir, 'issuer', 'signing-key.json');
    expect(signingKeyFile()).toBe(keyFile);
    expect((JSON.parse(readFileSync(keyFile, 'utf8')) as { kid: string }).kid).toBe(kidOf(token));
  });

  it('is the one npm run token signs with and the authorizer verifies with, under the same SHELF_DATA_DIR', async () => {
    const dataDir = freshDir();
    const token = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'infra/local/token.ts', '--role', 'admin', '--sub', 'ada'],
      { cwd: repoRoot, env: { ...process.env, SHELF_DATA_DIR: dataDir }, encoding: 'utf8' },
    ).trim();
    expect(existsSync(join(dataDir, 'issuer', 'signing-key.json'))).toBe(true);

    expect(await authorizerWith(dataDir).rejectReason(`Bearer ${token}`)).toBeUndefined();
    // Another data directory is another issuer: its authorizer does not know this key.
    expect(await authorizerWith(freshDir()).rejectReason(`Bearer ${token}`)).toBe(
      'the token is not signed by the local issuer',
    );
  });
});
