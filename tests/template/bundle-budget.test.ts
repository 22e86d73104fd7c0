/**
 * Every function's bundle stays under its budget in bench/bundle-budget.json (KiB, minified, no
 * source map), so a change that pulls a large dependency into a handler fails the build rather than
 * slowing every cold start unnoticed. The bundles are built as `serverless package` builds them
 * (infra/package/function-bundles.ts: custom.esbuild, its plugins included), in memory.
 * `npm run bench -- bundles` shows what each bundle holds; lower a budget when a bundle shrinks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle, bytesByPackage, loadFunctionBundling, type Bundle } from '../../infra/package/function-bundles';
import { repoRoot } from '../../infra/service-config';

const budgetFile = join(repoRoot, 'bench', 'bundle-budget.json');
const { budgetsKiB } = JSON.parse(readFileSync(budgetFile, 'utf8')) as { budgetsKiB: Record<string, number> };

const kib = (bytes: number) => Math.ceil(bytes / 1024);

/** "zod 95, aws-xray-sdk-core 66, …": where to look when a bundle grows. */
function biggestParts(built: Bundle): string {
  return [...bytesByPackage(built.metafile)]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([pkg, bytes]) => `${pkg} ${kib(bytes)}`)
    .join(', ');
}

describe('the bundle budget', () => {
  let bundling: Awaited<ReturnType<typeof loadFunctionBundling>>;
  beforeAll(async () => {
    bundling = await loadFunctionBundling();
  });

  it('has a budget for every function of serverless.yml, and for no other', () => {
    expect(Object.keys(budgetsKiB).sort()).toEqual(bundling.functions.map((fn) => fn.name).sort());
  });

  it('keeps every bundle under its budget', async () => {
    const over: string[] = [];
    for (const fn of bundling.functions) {
      const built = await bundle(bundling.options, fn.entry);
      const budget = budgetsKiB[fn.name];
      if (budget !== undefined && kib(built.bytes) > budget) {
        over.push(`${fn.name}: ${kib(built.bytes)} KiB, budget ${budget} KiB (${biggestParts(built)})`);
      }
    }
    expect(over).toEqual([]);
  });
});
