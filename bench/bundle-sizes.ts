/**
 * `npm run bench -- bundles`: each function's bundle as `serverless package` builds it (minified,
 * without its source map), beside the bare bundle of the outbound clients it holds (a handler that
 * only creates them and makes one call with each: infra/package/function-bundles.ts). Target: every
 * function ≤ 1.3 × its bare bundle. The biggest packages of each bundle say what to cut next.
 */
import {
  bareHandlerSource,
  bundle,
  bytesByPackage,
  clientsIn,
  loadFunctionBundling,
} from '../infra/package/function-bundles';
import { fmt, writeSection } from './bench-support';

export const bundleTarget = 1.3;

const kib = (bytes: number) => fmt(bytes / 1024);
const shortName = (pkg: string) => pkg.replace(/^@aws-sdk\//, '').replace(/^@aws-lambda-powertools\//, 'powertools/');

export async function benchBundles(): Promise<string> {
  const { functions, options } = await loadFunctionBundling();
  const bareByClients = new Map<string, number>();
  const rows: string[] = [];
  for (const fn of functions) {
    const built = await bundle(options, fn.entry);
    const clients = clientsIn(built.metafile);
    const key = clients.join(',');
    if (!bareByClients.has(key))
      bareByClients.set(key, (await bundle(options, { contents: bareHandlerSource(clients) })).bytes);
    const bare = bareByClients.get(key)!;
    const ratio = built.bytes / bare;
    const biggest = [...bytesByPackage(built.metafile)]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([pkg, bytes]) => `${shortName(pkg)} ${kib(bytes)}`)
      .join(', ');
    rows.push(
      `| ${fn.name} | ${kib(built.bytes)} | ${clients.map(shortName).join(', ') || '(none)'} | ${kib(bare)} | ` +
        `${kib(built.bytes - bare)} | ${fmt(ratio, 2)} | ≤ ${bundleTarget} | ${ratio <= bundleTarget ? 'met' : 'not met'} | ${biggest} |`,
    );
  }
  const table = [
    '| function | bundle KiB | clients it holds | bare KiB | over bare KiB | × bare | target | | biggest parts (KiB) |',
    '| --- | ---: | --- | ---: | ---: | ---: | --- | --- | --- |',
    ...rows,
  ].join('\n');
  writeSection(
    'Bundle sizes',
    [
      'Each function built as `serverless package` builds it (custom.esbuild of serverless.yml, its plugins',
      'included), minified, without the source map; "bare" is a handler that only creates the outbound',
      'clients found in that bundle (AWS SDK packages, pg) and makes one call with each, built with the same',
      'options. A function with no client (getHealth, addSecurityHeaders) has a bare bundle of a few bytes:',
      'its "over bare" column is what to read. bench/bundle-budget.json holds each bundle under a budget',
      '(tests/template/bundle-budget.test.ts).',
      '',
      table,
    ].join('\n'),
  );
  return table;
}
