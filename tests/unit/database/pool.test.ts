// Where the PostgreSQL pool connects: DATABASE_URL alone locally; deployed, the password comes from
// the RDS-managed secret (cached, fetched again when a rotation made it stale) and the connection
// is TLS against the runtime's CA bundle.
import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { Pool } from 'pg';
import { createPool, poolConfig } from '../../../shared/adapters/postgres/pool';

const secrets = mockClient(SecretsManagerClient);
const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf';
const url = 'postgres://shelf_admin@shelf-db.abc.us-east-1.rds.amazonaws.com:5432/shelf';
const caFile = join(mkdtempSync(join(tmpdir(), 'shelf-ca-')), 'ca.pem');
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n');

beforeEach(() => secrets.reset());

describe('poolConfig', () => {
  it('uses DATABASE_URL as it is when there is no secret (the local stack)', () => {
    const config = poolConfig('postgres://postgres:pw@127.0.0.1:54329/shelf', undefined);
    expect(config).toEqual({
      connectionString: 'postgres://postgres:pw@127.0.0.1:54329/shelf',
      max: 2,
      idleTimeoutMillis: 60_000,
      connectionTimeoutMillis: 5_000,
    });
  });

  it('takes the password from the secret, verifies TLS against the CA bundle, and caches the secret', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: secretArn })
      .resolves({ SecretString: JSON.stringify({ username: 'shelf_admin', password: 's3cret' }) });
    const config = poolConfig(url, secretArn, caFile);
    expect(config.connectionString).toBe(url);
    expect(config.ssl).toEqual({ ca: expect.stringContaining('BEGIN CERTIFICATE'), rejectUnauthorized: true });
    const password = config.password as () => Promise<string>;
    expect(await password()).toBe('s3cret');
    expect(await password()).toBe('s3cret');
    // Two connections, one call: the value is reused for its max age.
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('fails with the secret named when it holds no password', async () => {
    const otherArn = `${secretArn}-other`;
    secrets.on(GetSecretValueCommand, { SecretId: otherArn }).resolves({ SecretString: '{"username":"x"}' });
    const password = poolConfig(url, otherArn, caFile).password as () => Promise<string>;
    await expect(password()).rejects.toThrow(`Secret ${otherArn} has no password`);
  });
});

/**
 * Stands in for node-postgres's Client (PoolConfig.Client): logs in with the pool's password
 * function against a server whose password is `FakeServer.password`, as PostgreSQL would (28P01).
 */
const FakeServer = { password: 'new-password', logins: [] as string[], refuse: undefined as string | undefined };
class FakeClient extends EventEmitter {
  constructor(private readonly options: { password: () => Promise<string> }) {
    super();
  }

  connect(callback: (error?: Error) => void): void {
    if (FakeServer.refuse) {
      callback(Object.assign(new Error('the database system is starting up'), { code: FakeServer.refuse }));
      return;
    }
    this.options.password().then((password) => {
      FakeServer.logins.push(password);
      if (password === FakeServer.password) callback();
      else
        callback(Object.assign(new Error('password authentication failed for user "shelf_admin"'), { code: '28P01' }));
    }, callback);
  }

  query(_text: string, _values: unknown, callback: (error: Error | undefined, result: unknown) => void): void {
    callback(undefined, { rows: [{ answer: 42 }] });
  }

  end(callback?: () => void): void {
    callback?.();
  }
}

describe('createPool with the RDS secret', () => {
  let pool: Pool;
  let arn: string;
  let n = 0;
  beforeEach(() => {
    FakeServer.password = 'new-password';
    FakeServer.logins = [];
    FakeServer.refuse = undefined;
    // Each case its own secret: the secrets provider's cache outlives a test.
    arn = `${secretArn}-rotation-${++n}`;
  });
  afterEach(() => pool.end());

  const poolWith = () => (pool = createPool({ ...poolConfig(url, arn, caFile), Client: FakeClient as never }));
  const secretIs = (password: string) => ({ SecretString: JSON.stringify({ username: 'shelf_admin', password }) });

  it('fetches the secret again, past its cache, and logs in once more when a rotation made the cached password stale', async () => {
    // Cached before the rotation, and still within its max age.
    secrets
      .on(GetSecretValueCommand, { SecretId: arn })
      .resolvesOnce(secretIs('old-password'))
      .resolves(secretIs('new-password'));
    await (poolConfig(url, arn, caFile).password as () => Promise<string>)();

    const { rows } = await poolWith().query('SELECT 42 AS answer');

    expect(rows).toEqual([{ answer: 42 }]);
    expect(FakeServer.logins).toEqual(['old-password', 'new-password']);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    // The fresh password is cached: new connections log in with it, with no further fetch.
    const clients = await Promise.all([pool.connect(), pool.connect()]);
    for (const client of clients) client.release();
    expect(FakeServer.logins.length).toBeGreaterThan(2);
    expect(FakeServer.logins.slice(1).every((password) => password === 'new-password')).toBe(true);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('retries through pool.connect too (transactions take a client)', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: arn })
      .resolvesOnce(secretIs('old-password'))
      .resolves(secretIs('new-password'));

    const client = await poolWith().connect();
    client.release();

    expect(FakeServer.logins).toEqual(['old-password', 'new-password']);
  });

  it('gives up after one fresh fetch when the password is still refused', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: arn }).resolves(secretIs('wrong-password'));

    await expect(poolWith().query('SELECT 1')).rejects.toMatchObject({ code: '28P01' });

    expect(FakeServer.logins).toEqual(['wrong-password', 'wrong-password']);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('does not fetch the secret again for failures that are not a refused login', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: arn }).resolves(secretIs('new-password'));
    FakeServer.refuse = '57P03';

    await expect(poolWith().query('SELECT 1')).rejects.toMatchObject({ code: '57P03' });

    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});
