/**
 * RDS's stand-in on the local platform: a real PostgreSQL, not an emulator of the RDS API. The
 * server DATABASE_URL names when it is set, otherwise PostgreSQL 17 (the RDS engine's major
 * version) of our own (local-postgres.ts). The functions reach it through DATABASE_URL, which the
 * `local` stage's `databaseSource` in serverless.yml reads; the schema is migrated at start, as the
 * DatabaseMigrations custom resource does at deploy (start-shelf.ts).
 */
import { dirname, join } from 'node:path';
import { assertPortFree, type Supervisor } from '../../supervisor';
import type { LocalService, StartedService } from '../local-service';
import { runLocalPostgres } from './local-postgres';

/**
 * PostgreSQL on `port` with its data in `dataDir` and `database` in it, or the server DATABASE_URL
 * names. `dataDir` in the result says where the data went when its `postgres` user could not
 * reach `dataDir` (local-postgres.ts).
 */
export async function startPostgres(
  supervisor: Supervisor,
  port: number,
  dataDir: string,
  database: string,
  failed?: (e: Error) => void,
): Promise<{ url: string; dataDir?: string }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL };
  await assertPortFree('PostgreSQL (embedded)', port);
  return runLocalPostgres(supervisor, { port, dataDir, database, onCrash: failed });
}

export interface RdsStarted extends StartedService {
  /** The database's URL, password included: for the functions and the migrations, not for logs. */
  endpoint: string;
}

export const rds: LocalService<RdsStarted, 'rds'> = {
  name: 'rds',
  defaultPort: 54329,
  // Its names from before it was a module: the port variable and the data folder stay PostgreSQL's.
  portVariable: 'SHELF_POSTGRES_PORT',
  async start({ port, dataDir, supervisor, fail, log }) {
    const folder = join(dirname(dataDir), 'postgres');
    const postgres = await startPostgres(supervisor, port, folder, 'shelf', fail);
    const elsewhere = postgres.dataDir && postgres.dataDir !== folder;
    log(`PostgreSQL ready${elsewhere ? ` (data in ${postgres.dataDir}, where its postgres user can reach it)` : ''}`);
    return { endpoint: postgres.url, functionEnv: { DATABASE_URL: postgres.url } };
  },
};
