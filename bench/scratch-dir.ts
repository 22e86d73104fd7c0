/**
 * Scratch folders for the benchmarks: a generated 1 GiB CSV, s3rver's copy of it, a PostgreSQL
 * data directory. Gigabytes that must not outlive the run, however it ends:
 * - each folder is named for the process that made it (`shelf-bench-<kind>-<pid>-XXXXXX`);
 * - it is removed when that process exits, and on Ctrl-C (SIGINT), SIGTERM or SIGHUP, after the
 *   parts registered with `stopOnInterrupt` (a PostgreSQL server using the folder) have stopped;
 * - a run killed outright (SIGKILL, a crash, the machine going down) cannot clean up, so each run
 *   first removes the folders of processes that no longer exist.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const owned = new Set<string>();
const stops = new Set<() => Promise<void>>();
let hooked = false;

// `shelf-bench-file-4242-Ab12Cd`: kind, the owner's pid, mkdtemp's six characters. Before the
// pid was part of the name (`shelf-bench-Ab12Cd`, `shelf-bench-file-Ab12Cd`), interrupted runs
// left folders no running bench can own any more: those go too.
const current = /^shelf-bench-[a-z]+-(\d+)-[A-Za-z0-9]{6}$/;
const beforePids = /^shelf-bench-(?:file-)?[A-Za-z0-9]{6}$/;

/** Whether a process with this id exists (EPERM: it does, someone else's). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the scratch folders of runs that are gone; returns their paths. */
export function removeStaleScratchDirs(root = tmpdir(), isRunning = processExists): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    const pid = current.exec(name)?.[1];
    const stale = pid !== undefined ? Number(pid) !== process.pid && !isRunning(Number(pid)) : beforePids.test(name);
    if (!stale) continue;
    rmSync(join(root, name), { recursive: true, force: true });
    removed.push(join(root, name));
  }
  return removed;
}

function removeOwned(): void {
  for (const dir of owned) rmSync(dir, { recursive: true, force: true });
  owned.clear();
}

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  console.error(`\n${signal}: removing the bench's scratch folders…`);
  await Promise.allSettled([...stops].map((stop) => stop()));
  removeOwned();
  // Then die of the signal as if it had not been caught, so the caller sees how the run ended.
  process.kill(process.pid, signal);
}

function hookProcessEnd(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', removeOwned);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, (s) => void onSignal(s));
}

/** A fresh folder under `root`, removed when this process ends, however it ends. */
export function scratchDir(kind: string, root = tmpdir()): string {
  hookProcessEnd();
  removeStaleScratchDirs(root);
  const dir = mkdtempSync(join(root, `shelf-bench-${kind}-${process.pid}-`));
  owned.add(dir);
  return dir;
}

/** Removes a scratch folder now (the normal end of a bench). */
export function removeScratchDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  owned.delete(dir);
}

/** Stops `stop`'s part before the folders go when the run is interrupted; call the result once stopped. */
export function stopOnInterrupt(stop: () => Promise<void>): () => void {
  hookProcessEnd();
  stops.add(stop);
  return () => stops.delete(stop);
}
