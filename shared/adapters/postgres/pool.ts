/**
 * The PostgreSQL connection pool: one per execution environment, created when the module loads
 * and reused by every invocation. A Lambda environment serves one request at a time, so two
 * connections are plenty; the function's concurrency is what bounds the database's load.
 */
import { Pool } from 'pg';
import { config } from '../../config';
import { logger } from '../../observability';

export function createPool(connectionString: string = config('databaseUrl')): Pool {
  const pool = new Pool({
    connectionString,
    max: 2,
    idleTimeoutMillis: 60_000,
    connectionTimeoutMillis: 5_000,
  });
  // An idle connection dropped by the server must not crash the environment.
  pool.on('error', (error) => logger.warn('Idle PostgreSQL connection failed', { error }));
  return pool;
}
