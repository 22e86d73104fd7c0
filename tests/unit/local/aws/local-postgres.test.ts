// As root (a container, CI), the local PostgreSQL runs as the `postgres` user, who cannot enter a
// mode-700 folder such as /root or a `mktemp -d`: its programs and its data are then kept where
// that user can reach them (infra/local/aws/rds/local-postgres.ts). The whole stack started that
// way is tested in tests/integration/start-stop.test.ts.
import { execFileSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canReach,
  packagedPrograms,
  postgresUser,
  reachableDataDir,
  reachablePrograms,
  relocatedDataDir,
} from '../../../../infra/local/aws/rds/local-postgres';

const asRoot = process.getuid?.() === 0;
const user = postgresUser();
let privateDir: string;
const cleanUp: string[] = [];

beforeEach(() => {
  // What /root is: a folder only its owner may enter.
  privateDir = mkdtempSync(join(tmpdir(), 'shelf-private-'));
  expect(statSync(privateDir).mode & 0o777).toBe(0o700);
  cleanUp.push(privateDir);
});
afterAll(() => {
  for (const path of cleanUp) rmSync(path, { recursive: true, force: true });
});

it('runs PostgreSQL as the postgres user when run as root, and as the caller otherwise', () => {
  if (asRoot) expect(user).toEqual({ uid: expect.any(Number), gid: expect.any(Number) });
  else expect(user).toBeUndefined();
  if (user) expect(user.uid).not.toBe(0);
});

it("copies the programs to where the postgres user can run them when the package is out of that user's reach", () => {
  const packaged = packagedPrograms();
  const inPrivate = join(privateDir, 'node_modules', 'native');
  cpSync(packaged.dir, inPrivate, { recursive: true, verbatimSymlinks: true });
  const version = `test-${process.pid}-${Date.now()}`;

  const programs = reachablePrograms({ dir: inPrivate, version }, user);

  if (!user) return void expect(programs).toBe(inPrivate);
  expect(canReach(join(inPrivate, 'bin', 'postgres'), user)).toBe(false);
  expect(programs).toBe(join(tmpdir(), `shelf-postgres-${version}`));
  cleanUp.push(programs);
  const printed = execFileSync(join(programs, 'bin', 'postgres'), ['--version'], { ...user, encoding: 'utf8' });
  expect(printed).toMatch(/^postgres \(PostgreSQL\) 17\./);
  // Once: the next start uses the copy as it is.
  writeFileSync(join(programs, 'marker'), '');
  expect(reachablePrograms({ dir: inPrivate, version }, user)).toBe(programs);
  expect(lstatSync(join(programs, 'marker')).isFile()).toBe(true);
});

it("uses the package's programs in place when the postgres user can reach them", () => {
  const packaged = packagedPrograms();
  expect(reachablePrograms(packaged, user)).toBe(packaged.dir);
});

describe('the data folder', () => {
  it('is kept where the postgres user can reach it, linked from the folder asked for, and found there again', () => {
    const asked = join(privateDir, 'data', 'postgres');

    const dir = reachableDataDir(asked, user);

    if (!user) return void expect(dir).toBe(asked);
    cleanUp.push(dir);
    expect(dir).toBe(relocatedDataDir(asked));
    expect(readlinkSync(asked)).toBe(dir);
    expect(canReach(dir, user)).toBe(true);
    expect(statSync(dir)).toMatchObject({ uid: user.uid, gid: user.gid });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    writeFileSync(join(dir, 'PG_VERSION'), '17\n');
    expect(reachableDataDir(asked, user)).toBe(dir);
    expect(lstatSync(join(dir, 'PG_VERSION')).isFile()).toBe(true);
  });

  it('starts afresh when the folder asked for was deleted (the link with it), as it would in place', () => {
    const asked = join(privateDir, 'data', 'postgres');
    const dir = reachableDataDir(asked, user);
    cleanUp.push(dir);
    writeFileSync(join(dir, 'PG_VERSION'), '17\n');

    rmSync(join(privateDir, 'data'), { recursive: true });
    const again = reachableDataDir(asked, user);

    expect(again).toBe(dir);
    expect(lstatSync(join(again, 'PG_VERSION'), { throwIfNoEntry: false })).toBeUndefined();
  });

  it('is used in place when the postgres user can reach it', () => {
    const open = mkdtempSync(join(tmpdir(), 'shelf-open-'));
    cleanUp.push(open);
    execFileSync('chmod', ['755', open]);
    const asked = join(open, 'postgres');

    expect(reachableDataDir(asked, user)).toBe(asked);
    expect(lstatSync(asked).isDirectory()).toBe(true);
  });

  it('is not moved when it already holds data out of reach: the error says what to do', () => {
    if (!user) return;
    const asked = join(privateDir, 'data', 'postgres');
    mkdirSync(asked, { recursive: true });
    writeFileSync(join(asked, 'PG_VERSION'), '17\n');

    expect(() => reachableDataDir(asked, user)).toThrow(
      `PostgreSQL's data in ${asked} is out of reach of the \`postgres\` user it runs as: move the data directory (SHELF_DATA_DIR) to a folder every user may enter, or delete ${asked} to start afresh elsewhere.`,
    );
  });
});
