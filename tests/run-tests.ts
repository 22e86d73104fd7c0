/**
 * `npm test`: the type check, the lint, and the unit and template tests run beside the integration
 * tests rather than before them. The integration tests spend much of their time waiting on the local
 * stack (a queue's retry, a poll) and run one file at a time, which leaves room for the others' two
 * minutes of CPU: the whole run is that much shorter, within CI's 20 minutes. The integration tests'
 * output streams as it comes; each other part's is printed in one piece when it ends, so they never
 * interleave. The run fails if any part fails. With arguments, it is plain `jest` with them.
 */
import { spawn } from 'node:child_process';

interface Finished {
  name: string;
  code: number | null;
}

function run(name: string, command: string, args: string[], buffered: boolean): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: buffered ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => {
      output += `${error.message}\n`;
    });
    child.on('close', (code) => {
      if (buffered) process.stdout.write(`\n> ${name} (${code === 0 ? 'passed' : `failed, exit ${code}`})\n${output}`);
      resolve({ name, code });
    });
  });
}

async function main(): Promise<void> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const jest = (args: string[]): [string, string[]] => [process.execPath, [require.resolve('jest/bin/jest'), ...args]];
  const args = process.argv.slice(2);
  const results = await Promise.all(
    args.length
      ? [run('jest', ...jest(args), false)]
      : [
          run('typecheck', npm, ['run', '-s', 'typecheck'], true),
          run('lint', npm, ['run', '-s', 'lint'], true),
          run('test:unit + test:template', ...jest(['--selectProjects', 'unit', 'template']), true),
          run('test:integration', ...jest(['--selectProjects', 'integration']), false),
        ],
  );
  const failed = results.filter((r) => r.code !== 0);
  if (failed.length) {
    console.error(`\nnpm test failed: ${failed.map((r) => `${r.name} (exit ${r.code})`).join(', ')}`);
    process.exitCode = 1;
  }
}

void main();
