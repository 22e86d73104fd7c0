// Where the PostgreSQL pool connects: DATABASE_URL alone locally; deployed, the password comes from
// the RDS-managed secret (cached) and the connection is TLS against the runtime's CA bundle.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { poolConfig } from '../../../shared/adapters/postgres/pool';

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
