/**
 * Runs the benchmarks and writes bench/results.md (a section each), then prints the ratios the
 * targets are judged on.
 *
 *   npm run bench              all of them
 *   npm run bench -- etl       the ETL load rate only
 *   npm run bench -- file      the file processor only (BENCH_FILE_MB=64 for a quicker run)
 *   npm run bench -- load      the load test of the local stack only
 *   npm run bench -- bundles   each function's bundle size against its bare clients' bundle
 *   npm run bench -- cold      each API function's cold start against a bare handler's (BENCH_COLD_RUNS)
 */
import { benchBundles } from './bundle-sizes';
import { benchColdStarts } from './cold-starts';
import { benchEtl } from './etl-load';
import { benchFileProcessor } from './file-processor';
import { benchLoad, loadVerdict } from './load';

const benches = {
  etl: benchEtl,
  file: benchFileProcessor,
  load: benchLoad,
  bundles: benchBundles,
  cold: benchColdStarts,
} as const;
type BenchName = keyof typeof benches;

/** The judged ratio of a bench's table: the median × COPY of the judged row, or × bare. */
function judgedRatio(name: BenchName, table: string): string {
  const judged = table.split('\n').find((line) => line.includes('judged'));
  const cells = judged?.split('|').map((cell) => cell.trim()) ?? [];
  // etl: | path | seconds | rows/s | × COPY | each run |; file: | run | … | × bare |
  const ratio = name === 'etl' ? cells[4] : cells[6];
  return ratio ? `${ratio} ×` : 'not found';
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((arg) => !(arg in benches));
  if (unknown.length > 0)
    throw new Error(`Unknown bench ${unknown.join(', ')}: use ${Object.keys(benches).join(', ')} or nothing for all`);
  const names: BenchName[] = asked.length > 0 ? (asked as BenchName[]) : (Object.keys(benches) as BenchName[]);
  const tables = new Map<BenchName, string>();
  for (const name of names) {
    console.log(`\n== ${name}`);
    const table = await benches[name]();
    console.log(table);
    tables.set(name, table);
  }
  console.log('');
  if (tables.has('etl')) {
    console.log(
      `ETL load rate, worker path (judged row): ${judgedRatio('etl', tables.get('etl')!)} COPY (target ≥ 0.6)`,
    );
  }
  if (tables.has('bundles')) {
    const rows = tables.get('bundles')!.split('\n').slice(2);
    const met = rows.filter((row) => row.includes('| met |')).length;
    console.log(`Bundle sizes: ${met} of ${rows.length} functions ≤ 1.3 × their bare clients' bundle`);
  }
  if (tables.has('cold')) {
    const rows = tables.get('cold')!.split('\n').slice(2);
    const met = rows.filter((row) => row.includes('| met |')).length;
    console.log(`Cold starts: ${met} of ${rows.length} API functions ≤ 1.1 × the bare handler`);
  }
  if (tables.has('file')) {
    console.log(
      `File processor throughput: ${judgedRatio('file', tables.get('file')!)} the bare stream (target ≥ 0.5)`,
    );
  }
  if (tables.has('load')) console.log(loadVerdict(tables.get('load')!));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
