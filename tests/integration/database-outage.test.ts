// The database going away in the middle of an import loses nothing: the worker's batch fails,
// its messages stay on the queue, come back after the visibility timeout, and load once the
// database is reachable again. A stack of its own (like start-stop.test.ts) whose functions reach
// PostgreSQL through a TCP proxy this test can cut, so the other tests' database stays up.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { v7 as uuidv7 } from 'uuid';
import { freePorts } from '../../infra/local/free-ports';
import { repoRoot } from '../../infra/local/service-config';
import { defaultPorts, type ShelfPorts } from '../../infra/local/start-shelf';
import { closeDb, db, until } from './helpers';

/** Forwards TCP to PostgreSQL until cut; while cut, it refuses (closes) every connection. */
class CuttableProxy {
  refused = 0;
  private cut = false;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      if (this.cut) {
        this.refused++;
        client.destroy();
        return;
      }
      const upstream = connect(target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
  }

  /** Listens on a free port; resolves with it. */
  listen(): Promise<number> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)),
    );
  }

  /** Drops every open connection and refuses new ones. */
  sever(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.cut = false;
  }

  close(): Promise<void> {
    this.sever();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface StackFile {
  region: string;
  endpoints: { sqs: string };
  resources: Record<string, { ref: string }>;
}

let shelf: ChildProcess;
let stack: StackFile;
let proxy: CuttableProxy;
let dataDir: string;
let output = '';

beforeAll(async () => {
  const database = new URL(process.env.SHELF_TEST_DATABASE_URL!);
  proxy = new CuttableProxy({ host: database.hostname, port: Number(database.port) });
  const proxyPort = await proxy.listen();
  const throughProxy = new URL(database);
  throughProxy.port = String(proxyPort);
  const ports = await freePorts(Object.keys(defaultPorts) as (keyof ShelfPorts)[]);
  dataDir = mkdtempSync(join(tmpdir(), 'shelf-outage-'));
  chmodSync(dataDir, 0o755);
  // `npm start` with DATABASE_URL: it uses that PostgreSQL (through the proxy) instead of its own.
  const env: NodeJS.ProcessEnv = { ...process.env, SHELF_DATA_DIR: dataDir, DATABASE_URL: throughProxy.toString() };
  for (const [name, port] of Object.entries(ports)) env[`SHELF_${name.toUpperCase()}_PORT`] = String(port);
  shelf = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], { cwd: repoRoot, env, detached: true });
  shelf.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  shelf.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stackFile = join(dataDir, 'stack.json');
  await until(
    'the outage stack to start',
    () => {
      if (shelf.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
      return output.includes('Shelf is running') && existsSync(stackFile) ? true : undefined;
    },
    90_000,
  );
  stack = JSON.parse(readFileSync(stackFile, 'utf8')) as StackFile;
});

afterAll(async () => {
  if (shelf && shelf.exitCode === null) {
    const exited = new Promise((resolve) => shelf.once('exit', resolve));
    process.kill(-shelf.pid!, 'SIGINT');
    await exited;
  }
  await proxy?.close();
  await closeDb();
  rmSync(dataDir, { recursive: true, force: true });
});

it('keeps the chunks on the queue while PostgreSQL is unreachable and loads them when it is back', async () => {
  const sqs = new SQSClient({
    endpoint: stack.endpoints.sqs,
    region: stack.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const queueUrl = stack.resources.ImportQueue!.ref;
  const importId = uuidv7();
  const sku = `OUT-${importId.slice(-8).toUpperCase()}`;
  const chunk = {
    importId,
    chunk: 1,
    rows: [
      { row: 1, sku, name: 'Survivor', description: '', category: 'tea', priceCents: 250, currency: 'EUR', stock: 3 },
    ],
  };

  proxy.sever();
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(chunk) }));
  // The worker has tried (and failed) at least twice: the message came back after its first failure.
  await until('two refused connection attempts', () => (proxy.refused >= 2 ? true : undefined));
  const { rows: during } = await db().query('SELECT 1 FROM products WHERE sku = $1', [sku]);
  expect(during).toEqual([]);
  // Still on the queue (visible, or hidden until its visibility timeout ends).
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const queued =
    Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
  expect(queued).toBeGreaterThanOrEqual(1);

  proxy.restore();

  const loaded = await until('the chunk to load', async () => {
    const { rows } = await db().query<{ name: string; stock: number }>(
      'SELECT name, stock FROM products WHERE sku = $1',
      [sku],
    );
    return rows[0];
  });
  expect(loaded).toEqual({ name: 'Survivor', stock: 3 });
  const dlq = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: stack.resources.ImportDeadLetterQueue!.ref,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  expect(dlq.Attributes!.ApproximateNumberOfMessages).toBe('0');
});
