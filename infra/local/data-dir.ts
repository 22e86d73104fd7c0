/**
 * Where the local stack keeps its files (PostgreSQL's data, S3's objects, the web build, the
 * local issuer's signing key, stack.json): SHELF_DATA_DIR, relative paths taken from the repo
 * root, else `.local/`. Every process that needs it asks here (npm start, the authorizer inside
 * serverless-offline, `npm run token`, `npm run redrive`, the tests), so all of them agree.
 */
import { resolve } from 'node:path';
import { repoRoot } from './service-config';

export function localDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(repoRoot, env.SHELF_DATA_DIR || '.local');
}
