// Stops every part of the local stack the integration tests started, and drops its data.
import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.shelfUnderTest?.stop();
  globalThis.shelfStackLog?.end();
  if (process.env.SHELF_TEST_DATA_DIR) rmSync(process.env.SHELF_TEST_DATA_DIR, { recursive: true, force: true });
}
