// npm run bench writes gigabytes to the temp folder; an interrupted or killed run must not leave
// them there (bench/scratch-dir.ts).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleScratchDirs } from '../../../bench/scratch-dir';
import { repoRoot } from '../../../infra/service-config';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'shelf-scratch-test-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Runs hold-scratch-dir.ts; resolves with its scratch folder once it has printed it. */
function holdScratchDir(mode: 'wait' | 'exit') {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'hold-scratch-dir.ts'), root, mode], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const dir = new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('\n')) resolve(output.trim());
    });
    void exited.then(() => reject(new Error(`exited before printing its folder: ${output}`)));
  });
  return { child, dir, exited };
}

describe('bench scratch folders', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'are removed on %s, after the registered parts have stopped, and the run still ends by that signal',
    async (signal) => {
      const run = holdScratchDir('wait');
      const dir = await run.dir;
      expect(dir.startsWith(join(root, `shelf-bench-file-${run.child.pid}-`))).toBe(true);
      expect(readdirSync(dir)).toEqual(['catalog.csv']);

      run.child.kill(signal);

      expect(await run.exited).toEqual({ code: null, signal });
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(join(root, 'stopped'))).toBe(true);
    },
  );

  it('are removed when the run exits without removing them itself', async () => {
    const run = holdScratchDir('exit');
    const dir = await run.dir;
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(dir)).toBe(false);
  });

  it("of runs that are gone (killed outright, or from before folders were named for their run) are removed at start; running runs' and others' files stay", () => {
    const names = [
      'shelf-bench-file-111-Ab12Cd',
      'shelf-bench-postgres-222-Xy34Zw',
      'shelf-bench-file-333-Qq55Rr',
      'shelf-bench-Kk77Ll',
      'shelf-bench-file-Mm88Nn',
      'shelf-start-Pp99Ss',
      'shelf-bench-results',
    ];
    for (const name of names) mkdirSync(join(root, name));
    const running = new Set([333]);

    const removed = removeStaleScratchDirs(root, (pid) => running.has(pid));

    expect(removed.map((path) => path.slice(root.length + 1)).sort()).toEqual([
      'shelf-bench-Kk77Ll',
      'shelf-bench-file-111-Ab12Cd',
      'shelf-bench-file-Mm88Nn',
      'shelf-bench-postgres-222-Xy34Zw',
    ]);
    expect(readdirSync(root).sort()).toEqual([
      'shelf-bench-file-333-Qq55Rr',
      'shelf-bench-results',
      'shelf-start-Pp99Ss',
    ]);
  });

  it('of a killed run are removed by the next one', async () => {
    const killed = holdScratchDir('wait');
    const leftover = await killed.dir;
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(existsSync(leftover)).toBe(true);

    const next = holdScratchDir('exit');
    await next.dir;
    await next.exited;

    expect(existsSync(leftover)).toBe(false);
  });
});
