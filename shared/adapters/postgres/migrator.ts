/**
 * Applies the plain SQL files in ./migrations in name order, each once, each in its own
 * transaction. The local stack runs it on start; the deploy-time custom resource runs the same
 * code. An advisory lock keeps two migrators from racing, and a checksum catches an applied
 * migration that was edited afterwards.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';
import type { SchemaStatus } from '../../ops/operations-ports';

export interface Migration {
  name: string;
  sql: string;
}

/** The migrations' folder from the repository root, which is also the root of a packaged function. */
export const migrationsPath = 'shared/adapters/postgres/migrations';

/**
 * Where the .sql files are. Run from source (the local stack, tests, benches), beside this module.
 * In Lambda this module is bundled into the handler's file, whose __dirname is the handler's
 * folder: the function's package carries the files at their repository path instead (package
 * patterns in services/database/functions.yml), under the task root Lambda names in LAMBDA_TASK_ROOT.
 */
export function defaultMigrationsDir(
  taskRoot: string | undefined = process.env.LAMBDA_TASK_ROOT,
  moduleDir: string = __dirname,
): string {
  return taskRoot ? join(taskRoot, migrationsPath) : join(moduleDir, 'migrations');
}

/** The migrations in name order. No .sql file at all is an error, never an up-to-date schema. */
export function readMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  const names = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort();
  if (names.length === 0) throw new Error(`No migrations (*.sql) in ${dir}`);
  return names.map((name) => ({ name, sql: readFileSync(join(dir, name), 'utf8') }));
}

const checksum = (sql: string) => createHash('sha256').update(sql).digest('hex');

/** Returns the names of the migrations it applied (empty when the schema was up to date). */
export async function migrate(pool: Pool, migrations: Migration[] = readMigrations()): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext('shelf-migrations'))`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM schema_migrations',
    );
    const applied = new Map(rows.map((row) => [row.name, row.checksum]));
    const done: string[] = [];
    for (const migration of migrations) {
      const sum = checksum(migration.sql);
      const previous = applied.get(migration.name);
      if (previous !== undefined) {
        if (previous !== sum) throw new Error(`Migration ${migration.name} was changed after it was applied`);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [migration.name, sum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      done.push(migration.name);
    }
    return done;
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('shelf-migrations'))`).catch(() => undefined);
    client.release();
  }
}

/**
 * The schema against `migrations` without changing it (the operations endpoint's health check,
 * shared/ops/): which are applied, still pending, edited since, or unknown to this code. A
 * database no migration ever ran on has no schema_migrations table: everything is pending.
 */
export async function migrationStatus(pool: Pool, migrations: Migration[] = readMigrations()): Promise<SchemaStatus> {
  let rows: { name: string; checksum: string }[];
  try {
    ({ rows } = await pool.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations'));
  } catch (error) {
    // undefined_table
    if ((error as { code?: string }).code !== '42P01') throw error;
    rows = [];
  }
  const applied = new Map(rows.map((row) => [row.name, row.checksum]));
  const shipped = new Set(migrations.map((m) => m.name));
  return {
    applied: rows.length,
    pending: migrations.filter((m) => !applied.has(m.name)).map((m) => m.name),
    changed: migrations
      .filter((m) => applied.has(m.name) && applied.get(m.name) !== checksum(m.sql))
      .map((m) => m.name),
    unknown: rows
      .map((row) => row.name)
      .filter((name) => !shipped.has(name))
      .sort(),
  };
}
