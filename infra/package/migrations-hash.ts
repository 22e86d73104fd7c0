/**
 * The DatabaseMigrations custom resource's MigrationsVersion property (infra/resources/migrations.yml):
 * a sha256 over every migration's name and SQL, in the migrator's order. It changes when a migration
 * is added, renamed or edited (the migrator then refuses the edit: an applied migration is never
 * changed), and only then, so CloudFormation sends an Update exactly when there is something new.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { migrationsPath, readMigrations, type Migration } from '../../shared/adapters/postgres/migrator';

/** The repository's migrations, wherever the framework runs from. */
export const repoMigrationsDir = join(__dirname, '..', '..', migrationsPath);

export function migrationsVersion(migrations: Migration[] = readMigrations(repoMigrationsDir)): string {
  const hash = createHash('sha256');
  // NUL never occurs in a file name or in SQL text: "a" + "bc" and "ab" + "c" hash differently.
  for (const { name, sql } of migrations) hash.update(name).update('\0').update(sql).update('\0');
  return hash.digest('hex');
}
