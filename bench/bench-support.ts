/** What the benchmarks share: a scratch PostgreSQL, timing, and the results file. */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres } from '../infra/local/aws/rds/service';
import { repoRoot } from '../infra/service-config';
import { Supervisor } from '../infra/local/supervisor';
import { removeScratchDir, scratchDir, stopOnInterrupt } from './scratch-dir';

export const resultsFile = join(repoRoot, 'bench', 'results.md');

/**
 * A PostgreSQL 17 of its own (the embedded one the local stack uses, in a scratch directory),
 * or the server named by BENCH_DATABASE_URL.
 */
export async function scratchPostgres(port = 54379): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.BENCH_DATABASE_URL) return { url: process.env.BENCH_DATABASE_URL, stop: () => Promise.resolve() };
  const dir = scratchDir('postgres');
  chmodSync(dir, 0o755);
  const supervisor = new Supervisor();
  // Ctrl-C does not reach it (the supervisor starts it in a process group of its own).
  const registered = stopOnInterrupt(() => supervisor.stopAll());
  const saved = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  const { url } = await startPostgres(supervisor, port, join(dir, 'postgres'), 'bench');
  if (saved !== undefined) process.env.DATABASE_URL = saved;
  return {
    url,
    stop: async () => {
      await supervisor.stopAll();
      registered();
      removeScratchDir(dir);
    },
  };
}

export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const result = await work();
  return { result, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/** Replaces one section (## title … up to the next ##) of bench/results.md, keeping the others. */
export function writeSection(title: string, body: string): void {
  const heading = `## ${title}`;
  const current = existsSync(resultsFile)
    ? readFileSync(resultsFile, 'utf8')
    : '# Benchmark results\n\nWritten by `npm run bench`; numbers from the machine it last ran on.\n';
  const sections = current.split(/^(?=## )/m);
  const kept = sections.filter((s) => !s.startsWith(heading));
  const next = [...kept.map((s) => s.trimEnd() + '\n'), `${heading}\n\n${body.trim()}\n`];
  writeFileSync(resultsFile, next.join('\n'));
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
