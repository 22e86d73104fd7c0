/**
 * Where the local stack keeps its files (PostgreSQL's data, S3's objects, the web build, the
 * local issuer's signing key, stack.json): SHELF_DATA_DIR, relative paths taken from the repo
 * root, else `.local/`. Every process that needs it asks here (npm start, the authorizer inside
 * serverless-offline, `npm run token`, `npm run redrive`, the tests), so all of them agree.
 */
import { lstatSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '../service-config';

export function localDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(repoRoot, env.SHELF_DATA_DIR || '.local');
}

/**
 * Removes a data directory and what its parts kept elsewhere through a link (PostgreSQL's data
 * out of its user's reach: aws/rds/local-postgres.ts; DynamoDB's tables on tmpfs:
 * aws/dynamodb/dynamodb-local.ts).
 */
export function removeDataDir(dataDir: string): void {
  for (const name of readdirSync(dataDir, { withFileTypes: true }).map((entry) => entry.name)) {
    const path = join(dataDir, name);
    if (lstatSync(path).isSymbolicLink())
      rmSync(resolve(dataDir, readlinkSync(path)), { recursive: true, force: true });
  }
  rmSync(dataDir, { recursive: true, force: true });
}
