// A stand-in for a bench run (tests/unit/bench/scratch-dir.test.ts): makes a scratch folder under
// argv[2], fills it, registers a part that takes a moment to stop (writes argv[2]/stopped when it
// has), prints the folder, then either exits at once (argv[3] = exit) or waits to be interrupted.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { scratchDir, stopOnInterrupt } from '../../../bench/scratch-dir';

const [root, mode] = process.argv.slice(2) as [string, string];
const dir = scratchDir('file', root);
writeFileSync(join(dir, 'catalog.csv'), 'sku,name\n'.repeat(1000));
stopOnInterrupt(async () => {
  await delay(200);
  writeFileSync(join(root, 'stopped'), 'yes');
});
console.log(dir);
if (mode === 'exit') process.exit(0);
setInterval(() => undefined, 1000);
