// The DatabaseMigrations custom resource's MigrationsVersion: CloudFormation sends an Update only
// when it changes, so it must change with every new, renamed or edited migration, and only then.
import { readMigrations } from '../../../shared/adapters/postgres/migrator';
import { migrationsVersion, repoMigrationsDir } from '../../../infra/package/migrations-hash';

const migrations = [
  { name: '001-a.sql', sql: 'CREATE TABLE a (id int);\n' },
  { name: '002-b.sql', sql: 'CREATE TABLE b (id int);\n' },
];

describe('migrationsVersion', () => {
  it("is a sha256 of the repository's migrations, the same on every run", () => {
    expect(migrationsVersion()).toMatch(/^[0-9a-f]{64}$/);
    expect(migrationsVersion()).toBe(migrationsVersion(readMigrations(repoMigrationsDir)));
    expect(migrationsVersion(structuredClone(migrations))).toBe(migrationsVersion(migrations));
  });

  it('changes when a migration is added, edited or renamed', () => {
    const version = migrationsVersion(migrations);
    const changed = [
      [...migrations, { name: '003-c.sql', sql: 'CREATE TABLE c (id int);\n' }],
      [migrations[0]!, { ...migrations[1]!, sql: 'CREATE TABLE b (id bigint);\n' }],
      [migrations[0]!, { ...migrations[1]!, name: '002-b2.sql' }],
      // The same characters split differently between name and SQL.
      [migrations[0]!, { name: '002-b.sqlC', sql: 'REATE TABLE b (id int);\n' }],
    ];
    const versions = changed.map((list) => migrationsVersion(list));
    expect(new Set([version, ...versions]).size).toBe(changed.length + 1);
  });
});
