/**
 * A local stack of a test's own, beside the integration tests' shared one: `npm start` with its own
 * data directory, on free ports, on a database of its own on the tests' PostgreSQL server
 * (DATABASE_URL), so that what the test does (a 200,000-row import, restarts) neither slows nor
 * sees the other tests' data.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { removeDataDir } from '../../infra/local/data-dir';
import { signToken } from '../../infra/local/local-issuer';
import { freeShelfPorts, portEnv } from '../../infra/local/ports';
import { repoRoot } from '../../infra/service-config';
import type { Role } from '../../shared/auth/caller';
import { until } from './helpers';

async function onServer(sql: string): Promise<void> {
  const url = new URL(process.env.SHELF_TEST_DATABASE_URL!);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A database of its own on the tests' server, and a data directory; `remove()` drops both. */
export async function ownStackData(name: string) {
  const database = `${name}_${process.pid}`;
  await onServer(`CREATE DATABASE ${database}`);
  const url = new URL(process.env.SHELF_TEST_DATABASE_URL!);
  url.pathname = `/${database}`;
  const dataDir = mkdtempSync(join(tmpdir(), `shelf-${name}-`));
  // The embedded PostgreSQL is not used (DATABASE_URL), but the folder must be enterable all the same.
  chmodSync(dataDir, 0o755);
  return {
    databaseUrl: url.toString(),
    dataDir,
    ports: await freeShelfPorts(),
    async remove() {
      removeDataDir(dataDir);
      await onServer(`DROP DATABASE IF EXISTS ${database}`);
    },
  };
}

export interface OwnStack {
  apiUrl: string;
  /** stack.json of the running stack. */
  stack: { endpoints: Record<string, string>; region: string; resources: Record<string, { ref: string }> };
  /** A token this stack's authorizer accepts: signed with the issuer key in its own data directory. */
  tokenFor(role: Role): string;
  lines(): string[];
  stop(): Promise<void>;
}

/** `npm start` on that data, until "Shelf is running" (a second stack bundles every function again: minutes on a busy machine). */
export async function startOwnStack(data: Awaited<ReturnType<typeof ownStackData>>): Promise<OwnStack> {
  const env: NodeJS.ProcessEnv = { ...process.env, SHELF_DATA_DIR: data.dataDir, DATABASE_URL: data.databaseUrl };
  Object.assign(env, portEnv(data.ports));
  // Its own process group, so that Ctrl-C reaches it as in a terminal.
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: repoRoot,
    env,
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGINT');
    await exited;
  };
  const stackFile = join(data.dataDir, 'stack.json');
  try {
    await until(
      '"Shelf is running"',
      () => {
        if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
        return output.includes('Shelf is running') && existsSync(stackFile) ? true : undefined;
      },
      300_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    apiUrl: `http://127.0.0.1:${data.ports.api}`,
    stack: JSON.parse(readFileSync(stackFile, 'utf8')) as OwnStack['stack'],
    tokenFor: (role) => signToken({ sub: `${role}-${randomUUID()}`, role, dataDir: data.dataDir }),
    lines: () => output.split('\n'),
    stop,
  };
}
