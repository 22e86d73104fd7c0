/**
 * The PostgreSQL connection pool: one per execution environment, created when the module loads
 * and reused by every invocation. A Lambda environment serves one request at a time, so two
 * connections are plenty; the function's concurrency is what bounds the database's load.
 *
 * Where it connects:
 * - DATABASE_URL names the server, database and user. Locally it carries the password too.
 * - Deployed, DATABASE_SECRET_ARN names the RDS-managed master secret (ManageMasterUserPassword,
 *   infra/resources/database.yml): the password is read from Secrets Manager through Powertools
 *   Parameters, cached for a few minutes, and fetched again when a new connection is opened after
 *   that, so RDS's automatic rotation needs no redeploy. The connection is TLS, verified against
 *   the Amazon CA bundle the Lambda runtime ships (/var/runtime/ca-cert.pem, which holds the RDS
 *   CAs); read here, for this connection only, rather than through NODE_EXTRA_CA_CERTS, which
 *   would load it into every TLS context at cold start.
 */
import { readFileSync } from 'node:fs';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Pool, type PoolConfig } from 'pg';
import { config, optionalConfig } from '../../config';
import { logger, tracer } from '../../observability';

/** How long a fetched password is reused before Secrets Manager is asked again. */
export const secretMaxAgeSeconds = 300;
export const lambdaCaBundle = '/var/runtime/ca-cert.pem';

interface MasterUserSecret {
  username: string;
  password: string;
}

let secrets: SecretsProvider | undefined;

/** Only the functions that read the secret create the Secrets Manager client (once, traced). */
function secretsProvider(): SecretsProvider {
  secrets ??= new SecretsProvider({ awsSdkV3Client: tracer.captureAWSv3Client(new SecretsManagerClient({})) });
  return secrets;
}

export async function databasePassword(secretArn: string, provider = secretsProvider()): Promise<string> {
  const secret = await provider.get<MasterUserSecret>(secretArn, { transform: 'json', maxAge: secretMaxAgeSeconds });
  if (!secret?.password) throw new Error(`Secret ${secretArn} has no password`);
  return secret.password;
}

/** The pool's settings from the environment (exported for tests). */
export function poolConfig(
  connectionString: string = config('databaseUrl'),
  secretArn: string | undefined = optionalConfig('databaseSecretArn'),
  caFile: string = lambdaCaBundle,
): PoolConfig {
  const common: PoolConfig = { connectionString, max: 2, idleTimeoutMillis: 60_000, connectionTimeoutMillis: 5_000 };
  if (!secretArn) return common;
  return {
    ...common,
    // node-postgres calls this for every new connection.
    password: () => databasePassword(secretArn),
    ssl: { ca: readFileSync(caFile, 'utf8'), rejectUnauthorized: true },
  };
}

export function createPool(settings: PoolConfig = poolConfig()): Pool {
  const pool = new Pool(settings);
  // An idle connection dropped by the server must not crash the environment.
  pool.on('error', (error) => logger.warn('Idle PostgreSQL connection failed', { error }));
  return pool;
}
