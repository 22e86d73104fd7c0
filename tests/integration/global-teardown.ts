// Stops every part of the local stack the integration tests started, and drops its data, what its
// parts kept elsewhere included (PostgreSQL's data out of its user's reach, DynamoDB's tables on
// tmpfs: data-dir.ts).
import { existsSync } from 'node:fs';
import { removeDataDir } from '../../infra/local/data-dir';

export default async function globalTeardown(): Promise<void> {
  await globalThis.shelfUnderTest?.stop();
  globalThis.shelfStackLog?.end();
  const dataDir = process.env.SHELF_TEST_DATA_DIR;
  if (dataDir && existsSync(dataDir)) removeDataDir(dataDir);
}
