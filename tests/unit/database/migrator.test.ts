// The migrator where the deploy-time custom resource depends on it: where it finds the .sql files
// (beside the module from source, under the task root in a packaged function), that no files at all
// is an error, and that a failed migration is rolled back and named. Against a fake pg client; the
// integration tests run it against PostgreSQL.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import {
  defaultMigrationsDir,
  migrate,
  migrationStatus,
  migrationsPath,
  readMigrations,
} from '../../../shared/adapters/postgres/migrator';

const sourceDir = join(__dirname, '..', '..', '..', 'shared', 'adapters', 'postgres', 'migrations');

describe('where the migrations are read from', () => {
  it('is beside the migrator when run from source, and under the task root in Lambda', () => {
    expect(defaultMigrationsDir(undefined)).toBe(sourceDir);
    expect(defaultMigrationsDir('/var/task')).toBe('/var/task/shared/adapters/postgres/migrations');
    expect(join('/repo', migrationsPath)).toBe('/repo/shared/adapters/postgres/migrations');
  });

  it("reads the repository's migrations in name order, SQL included", () => {
    const migrations = readMigrations();
    expect(migrations.map((m) => m.name)).toEqual([...migrations.map((m) => m.name)].sort());
    expect(migrations[0]).toEqual({
      name: '001-products-and-orders.sql',
      sql: expect.stringContaining('CREATE TABLE'),
    });
  });

  it('refuses a folder without a single .sql file instead of calling the schema up to date', () => {
    const empty = mkdtempSync(join(tmpdir(), 'shelf-no-migrations-'));
    writeFileSync(join(empty, 'README.md'), 'not a migration');
    expect(() => readMigrations(empty)).toThrow(`No migrations (*.sql) in ${empty}`);
  });
});

describe('migrate', () => {
  /** A pg pool with one client that records its queries and fails the SQL it is told to. */
  function fakePool(failOn?: string) {
    const queries: string[] = [];
    let released = false;
    const client = {
      query: (sql: string) => {
        queries.push(sql.trim().split('\n')[0]!);
        if (sql === failOn)
          return Promise.reject(Object.assign(new Error('column "x" does not exist'), { code: '42703' }));
        return Promise.resolve({ rows: [] });
      },
      release: () => (released = true),
    };
    const pool = { connect: () => Promise.resolve(client) } as unknown as Pool;
    return { pool, queries, released: () => released };
  }
  const migrations = [
    { name: '001-a.sql', sql: 'CREATE TABLE a (id int)' },
    { name: '002-b.sql', sql: 'ALTER TABLE a ADD COLUMN y int' },
  ];

  it('applies each migration in its own transaction and says which it applied', async () => {
    const { pool, queries, released } = fakePool();
    await expect(migrate(pool, migrations)).resolves.toEqual(['001-a.sql', '002-b.sql']);
    expect(queries.filter((q) => /^(BEGIN|COMMIT|CREATE TABLE a|ALTER)/.test(q))).toEqual([
      'BEGIN',
      'CREATE TABLE a (id int)',
      'COMMIT',
      'BEGIN',
      'ALTER TABLE a ADD COLUMN y int',
      'COMMIT',
    ]);
    expect(released()).toBe(true);
  });

  it('rolls back a failed migration, names it in the error, keeps the cause, and frees the lock', async () => {
    const { pool, queries, released } = fakePool('ALTER TABLE a ADD COLUMN y int');
    const error = (await migrate(pool, migrations).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe('Migration 002-b.sql failed: column "x" does not exist');
    expect((error.cause as { code: string }).code).toBe('42703');
    expect(queries.slice(-2)).toEqual(['ROLLBACK', "SELECT pg_advisory_unlock(hashtext('shelf-migrations'))"]);
    expect(released()).toBe(true);
  });
});

describe("migrationStatus (the operations endpoint's schema check)", () => {
  const sha256 = (sql: string) => createHash('sha256').update(sql).digest('hex');
  const shipped = [
    { name: '001-a.sql', sql: 'CREATE TABLE a (id int)' },
    { name: '002-b.sql', sql: 'ALTER TABLE a ADD COLUMN y int' },
    { name: '003-c.sql', sql: 'CREATE INDEX ON a (y)' },
  ];
  const poolAnswering = (answer: () => Promise<unknown>) => ({ query: answer }) as unknown as Pool;

  it('names what is pending, what was edited after it was applied, and what this code does not ship', async () => {
    const rows = [
      { name: '001-a.sql', checksum: sha256(shipped[0]!.sql) },
      { name: '002-b.sql', checksum: sha256('ALTER TABLE a ADD COLUMN x int') },
      { name: '004-newer.sql', checksum: 'f00' },
    ];

    const status = await migrationStatus(
      poolAnswering(() => Promise.resolve({ rows })),
      shipped,
    );

    expect(status).toEqual({ applied: 3, pending: ['003-c.sql'], changed: ['002-b.sql'], unknown: ['004-newer.sql'] });
  });

  it('calls everything pending on a database no migration ever ran on (no schema_migrations table)', async () => {
    const noTable = Object.assign(new Error('relation "schema_migrations" does not exist'), { code: '42P01' });

    const status = await migrationStatus(
      poolAnswering(() => Promise.reject(noTable)),
      shipped,
    );

    expect(status).toEqual({ applied: 0, pending: ['001-a.sql', '002-b.sql', '003-c.sql'], changed: [], unknown: [] });
  });

  it('lets any other failure through: an unreachable database is not an empty one', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

    await expect(
      migrationStatus(
        poolAnswering(() => Promise.reject(refused)),
        shipped,
      ),
    ).rejects.toThrow('ECONNREFUSED');
  });
});
