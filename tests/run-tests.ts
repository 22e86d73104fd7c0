/**
 * `npm test`: the type check and the lint run beside jest rather than before it. The integration
 * tests spend much of their time waiting on the local stack (a queue's retry, a poll), which leaves
 * room for the checks' minute of CPU: the whole run is that much shorter, within CI's 20 minutes.
 * Jest's output streams as it comes; each check's is printed in one piece when it ends, so the two
 * never interleave. The run fails if any of them fails. Arguments go to jest.
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
      if (buffered)
        process.stdout.write(`\n> npm run ${name} (${code === 0 ? 'passed' : `failed, exit ${code}`})\n${output}`);
      resolve({ name, code });
    });
  });
}

async function main(): Promise<void> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const results = await Promise.all([
    run('typecheck', npm, ['run', '-s', 'typecheck'], true),
    run('lint', npm, ['run', '-s', 'lint'], true),
    run('jest', process.execPath, [require.resolve('jest/bin/jest'), ...process.argv.slice(2)], false),
  ]);
  const failed = results.filter((r) => r.code !== 0);
  if (failed.length) {
    console.error(`\nnpm test failed: ${failed.map((r) => `${r.name} (exit ${r.code})`).join(', ')}`);
    process.exitCode = 1;
  }
}

void main();
