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
 *   that, so RDS's automatic rotation needs no redeploy. Right after a rotation the cached password
 *   is the old one: a new connection whose login is refused is opened once more with the secret
 *   fetched again, past the cache (RotationAwarePool). The connection is TLS, verified against
 *   the Amazon CA bundle the Lambda runtime ships (/var/runtime/ca-cert.pem, which holds the RDS
 *   CAs); read here, for this connection only, rather than through NODE_EXTRA_CA_CERTS, which
 *   would load it into every TLS context at cold start.
 */
import { readFileSync } from 'node:fs';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Pool, type PoolClient, type PoolConfig } from 'pg';
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

/** The database password from the secret; `forceFetch` skips the cache (and refills it). */
export async function databasePassword(
  secretArn: string,
  provider = secretsProvider(),
  forceFetch = false,
): Promise<string> {
  const secret = await provider.get<MasterUserSecret>(secretArn, {
    transform: 'json',
    maxAge: secretMaxAgeSeconds,
    forceFetch,
  });
  if (!secret?.password) throw new Error(`Secret ${secretArn} has no password`);
  return secret.password;
}

export interface ShelfPoolConfig extends PoolConfig {
  /** Fetches the password again, past the cache; called when a new connection's login is refused. */
  refreshPassword?: () => Promise<unknown>;
}

/** The pool's settings from the environment (exported for tests). */
export function poolConfig(
  connectionString: string = config('databaseUrl'),
  secretArn: string | undefined = optionalConfig('databaseSecretArn'),
  caFile: string = lambdaCaBundle,
): ShelfPoolConfig {
  const common: PoolConfig = { connectionString, max: 2, idleTimeoutMillis: 60_000, connectionTimeoutMillis: 5_000 };
  if (!secretArn) return common;
  return {
    ...common,
    // node-postgres calls this for every new connection.
    password: () => databasePassword(secretArn),
    refreshPassword: () => databasePassword(secretArn, undefined, true),
    ssl: { ca: readFileSync(caFile, 'utf8'), rejectUnauthorized: true },
  };
}

// PostgreSQL's invalid_password and invalid_authorization_specification: the login was refused.
const loginRefused = new Set(['28P01', '28000']);

/**
 * A pool that outlives a rotation of the database secret: when opening a connection fails because
 * the login is refused, it fetches the password again (refreshPassword) and tries that connection
 * once more. Only once: a password that is still wrong after a fresh fetch is not a stale cache.
 * `pool.query` opens its connections through `connect` too.
 */
export class RotationAwarePool extends Pool {
  constructor(
    settings: PoolConfig,
    private readonly refreshPassword: () => Promise<unknown>,
  ) {
    super(settings);
  }

  override connect(): Promise<PoolClient>;
  override connect(
    callback: (error: Error | undefined, client: PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): void;
  override connect(
    callback?: (error: Error | undefined, client: PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<PoolClient> | void {
    const connected = this.connectWithFreshPassword();
    if (!callback) return connected;
    // Called outside the promise chain, as pg-pool does: an exception in it is the caller's.
    connected.then(
      (client) => process.nextTick(() => callback(undefined, client, (release) => client.release(release as Error))),
      (error: Error) => process.nextTick(() => callback(error, undefined, () => undefined)),
    );
  }

  private async connectWithFreshPassword(): Promise<PoolClient> {
    try {
      return await super.connect();
    } catch (error) {
      if (!loginRefused.has((error as { code?: string }).code ?? '')) throw error;
      logger.warn('PostgreSQL refused the login; fetching the database secret again (rotated?)', {
        code: (error as { code: string }).code,
      });
      await this.refreshPassword();
      return super.connect();
    }
  }
}

export function createPool({ refreshPassword, ...settings }: ShelfPoolConfig = poolConfig()): Pool {
  const pool = refreshPassword ? new RotationAwarePool(settings, refreshPassword) : new Pool(settings);
  // An idle connection dropped by the server must not crash the environment.
  pool.on('error', (error) => logger.warn('Idle PostgreSQL connection failed', { error }));
  return pool;
}
