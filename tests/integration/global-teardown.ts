// Stops every part of the local stack the integration tests started, and drops its data, PostgreSQL's
// included where that was kept elsewhere (as root, out of the postgres user's reach: local-postgres.ts).
import { lstatSync, readlinkSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export default async function globalTeardown(): Promise<void> {
  await globalThis.shelfUnderTest?.stop();
  globalThis.shelfStackLog?.end();
  const dataDir = process.env.SHELF_TEST_DATA_DIR;
  if (!dataDir) return;
  const postgres = join(dataDir, 'postgres');
  if (lstatSync(postgres, { throwIfNoEntry: false })?.isSymbolicLink()) {
    rmSync(resolve(dataDir, readlinkSync(postgres)), { recursive: true, force: true });
  }
  rmSync(dataDir, { recursive: true, force: true });
}
