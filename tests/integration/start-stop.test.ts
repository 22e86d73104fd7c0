// `npm start` as a person uses it: it prints "Shelf is running", serves the API, and Ctrl-C
// stops every part of it (no process left, every port free); a part that cannot start stops the
// whole start with a clear message instead of hanging.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePorts } from '../../infra/local/free-ports';
import { repoRoot } from '../../infra/local/service-config';
import { defaultPorts, type ShelfPorts } from '../../infra/local/start-shelf';
import { until } from './helpers';

let ports: ShelfPorts;
beforeAll(async () => {
  ports = await freePorts(Object.keys(defaultPorts) as (keyof ShelfPorts)[]);
});

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function start(dataDir: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, SHELF_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  for (const [name, port] of Object.entries(ports)) env[`SHELF_${name.toUpperCase()}_PORT`] = String(port);
  // Its own process group, like a terminal's foreground job, so the test can send Ctrl-C to it.
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: repoRoot,
    env,
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function leftovers(dataDir: string, child: ChildProcess): Promise<string[]> {
  const open: string[] = [];
  for (const [name, port] of Object.entries(ports)) if (await portOpen(port)) open.push(`${name}:${port}`);
  const processes = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter(
      (line) =>
        line.includes(dataDir) || line.includes(`-port ${ports.dynamodb}`) || line.includes(`--httpPort ${ports.api}`),
    )
    .filter((line) => !line.includes(` ${child.pid} `));
  return [...open, ...processes];
}

describe('npm start', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'shelf-start-'));
    // The embedded PostgreSQL runs as the `postgres` user, who must be able to enter the folder.
    chmodSync(dataDir, 0o755);
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints "Shelf is running" with the web and API URLs, serves both, and leaves nothing behind on Ctrl-C', async () => {
    const shelf = start(dataDir);
    try {
      const line = await until(
        '"Shelf is running"',
        () => {
          if (shelf.child.exitCode !== null) throw new Error(`npm start exited early:\n${shelf.output()}`);
          return shelf
            .output()
            .split('\n')
            .find((l) => l.includes('Shelf is running'));
        },
        90_000,
      );
      expect(line).toContain(`http://127.0.0.1:${ports.api}`);
      const health = await fetch(`http://127.0.0.1:${ports.api}/health`);
      expect(health.status).toBe(200);
      expect(line).toContain(`web http://127.0.0.1:${ports.web}`);
      const page = await fetch(`http://127.0.0.1:${ports.web}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="app">');

      process.kill(-shelf.child.pid!, 'SIGINT');
      expect(await shelf.exited).toBe(0);
      // The last words are Shelf's own, not a child's noise about its parent going away.
      expect(shelf.output().trimEnd().split('\n').slice(-2)).toEqual(['Ctrl-C; stopping Shelf…', 'Shelf stopped.']);
      expect(await leftovers(dataDir, shelf.child)).toEqual([]);
    } finally {
      if (shelf.child.exitCode === null) process.kill(-shelf.child.pid!, 'SIGKILL');
    }
  });

  it('stops with a clear error, and stops what it had started, when a port is taken', async () => {
    const squatter = createServer().listen(ports.dynamodb, '127.0.0.1');
    try {
      const shelf = start(dataDir);
      const code = await Promise.race([shelf.exited, delay(60_000, 'hung', { ref: false })]);

      expect(code).toBe(1);
      expect(shelf.output()).toContain(`Port ${ports.dynamodb} (DynamoDB Local) is already in use`);
      squatter.close();
      expect(await leftovers(dataDir, shelf.child)).toEqual([]);
    } finally {
      squatter.close();
    }
  });
});
