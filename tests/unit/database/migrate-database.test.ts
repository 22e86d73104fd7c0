// The DatabaseMigrations custom resource's handler, fed AWS's sample CloudFormation request with its
// ResponseURL pointed at a local HTTP server that stands in for the presigned S3 URL: what
// CloudFormation receives on every path, and that it receives it once. The migrator and the pool
// are mocked at their modules; each test loads the handler afresh (its pool is created lazily).
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import type { Pool } from 'pg';
import sample from '../../fixtures/events/cloudformation-custom-resource-request.json';
import { lambdaContext } from '../../helpers/http-events';

jest.mock('../../../shared/adapters/postgres/migrator');
jest.mock('../../../shared/adapters/postgres/pool');

type Handler = (event: unknown, context: Context) => Promise<void>;
let handler: Handler;
let appliedList: (applied: string[]) => string;
let migrate: jest.Mock;
let createPool: jest.Mock;
const pool = { name: 'the pool' } as unknown as Pool;

const handlerModule = '../../../services/database/migrate-database';
const migratorModule = '../../../shared/adapters/postgres/migrator';
const poolModule = '../../../shared/adapters/postgres/pool';

beforeEach(() => {
  jest.isolateModules(() => {
    ({ handler, appliedList } =
      jest.requireActual<typeof import('../../../services/database/migrate-database')>(handlerModule));
    migrate = jest.requireMock<{ migrate: jest.Mock }>(migratorModule).migrate;
    createPool = jest.requireMock<{ createPool: jest.Mock }>(poolModule).createPool;
  });
  createPool.mockReturnValue(pool);
});

// --- the response URL: a local server recording every PUT -----------------------------------------

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, any>;
  at: number;
}
let received: Received[] = [];
/** How many of the next requests the server fails with a 500, as S3 sometimes does. */
let failures = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    received.push({ method: req.method!, url: req.url!, headers: req.headers, body: JSON.parse(text), at: Date.now() });
    if (failures > 0) {
      failures -= 1;
      res.statusCode = 500;
      res.end('<Error><Code>InternalError</Code></Error>');
    } else res.end();
  });
});
let responseUrl: string;

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  // A presigned URL's query is its signature: it must reach the server as it is.
  responseUrl = `http://127.0.0.1:${port}/cloudformation-custom-resource-response?X-Amz-Signature=abc123`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  received = [];
  failures = 0;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** AWS's sample request, answered at the local server, with the ServiceToken CloudFormation sends. */
function cfnRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...structuredClone(sample),
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:shelf-test-migrateDatabase',
    ResponseURL: responseUrl,
    ...overrides,
  };
}

const updateRequest = () =>
  cfnRequest({
    RequestType: 'Update',
    PhysicalResourceId: 'MyTestResource-physical',
    OldResourceProperties: { MigrationsVersion: 'old' },
  });

const context = (remainingMs = 300_000) =>
  lambdaContext({
    functionName: 'shelf-test-migrateDatabase',
    logGroupName: '/aws/lambda/shelf-test-migrateDatabase',
    getRemainingTimeInMillis: () => remainingMs,
  });

const logs = `(logs: /aws/lambda/shelf-test-migrateDatabase ${lambdaContext().logStreamName})`;

/** What every answer repeats from the request. */
const echoed = { StackId: sample.StackId, RequestId: sample.RequestId, LogicalResourceId: sample.LogicalResourceId };

// The migrator's own error for a failed migration (shared/adapters/postgres/migrator.ts).
function migrationError(name: string, message: string, code: string): Error {
  const pgError = Object.assign(new Error(message), { code, severity: 'ERROR' });
  return new Error(`Migration ${name} failed: ${message}`, { cause: pgError });
}

describe('migrate-database handler', () => {
  it('answers a Create with SUCCESS and the migrations it applied, as CloudFormation expects the body', async () => {
    migrate.mockResolvedValue(['001-products-and-orders.sql', '002-import-sources.sql']);

    await handler(cfnRequest(), context());

    expect(createPool).toHaveBeenCalledWith();
    expect(migrate).toHaveBeenCalledTimes(1);
    expect(migrate).toHaveBeenCalledWith(pool);
    expect(received).toHaveLength(1);
    const [answer] = received;
    expect(answer!.method).toBe('PUT');
    expect(answer!.url).toBe('/cloudformation-custom-resource-response?X-Amz-Signature=abc123');
    // As cfn-response sends it: the presigned URL is signed without a content type.
    expect(answer!.headers['content-type']).toBe('');
    expect(answer!.body).toEqual({
      Status: 'SUCCESS',
      Reason: 'Applied 001-products-and-orders.sql, 002-import-sources.sql',
      PhysicalResourceId: 'MyTestResource',
      ...echoed,
      NoEcho: false,
      Data: { applied: '001-products-and-orders.sql,002-import-sources.sql' },
    });
  });

  it('answers an Update with SUCCESS, keeping the physical id CloudFormation sent', async () => {
    migrate.mockResolvedValue([]);

    await handler(updateRequest(), context());

    expect(migrate).toHaveBeenCalledTimes(1);
    expect(received.map((r) => r.body)).toEqual([
      {
        Status: 'SUCCESS',
        Reason: 'The schema was up to date',
        PhysicalResourceId: 'MyTestResource-physical',
        ...echoed,
        NoEcho: false,
        Data: { applied: 'none' },
      },
    ]);
  });

  it('answers a Delete with SUCCESS without touching the database', async () => {
    await handler(cfnRequest({ RequestType: 'Delete', PhysicalResourceId: 'MyTestResource' }), context());

    expect(migrate).not.toHaveBeenCalled();
    expect(createPool).not.toHaveBeenCalled();
    expect(received.map((r) => r.body)).toEqual([
      {
        Status: 'SUCCESS',
        Reason: 'Nothing to do: the database is left to its DeletionPolicy',
        PhysicalResourceId: 'MyTestResource',
        ...echoed,
        NoEcho: false,
      },
    ]);
  });

  it('answers a failed migration with FAILED, naming the migration and the error, without a stack trace', async () => {
    migrate.mockRejectedValue(migrationError('003-reviews.sql', 'relation "reviews" already exists', '42P07'));

    await handler(cfnRequest(), context());

    expect(received).toHaveLength(1);
    const { body } = received[0]!;
    expect(body).toEqual({
      Status: 'FAILED',
      Reason: `Migration 003-reviews.sql failed: relation "reviews" already exists (SQLSTATE 42P07) ${logs}`,
      // A failed Create still needs an id: CloudFormation sends the rollback's Delete for it.
      PhysicalResourceId: 'MyTestResource',
      ...echoed,
      NoEcho: false,
    });
    expect(body.Reason).not.toMatch(/\n|\bat .*:\d+:\d+|migrator\.ts|node_modules/);
  });

  it('keeps the physical id when an Update fails', async () => {
    migrate.mockRejectedValue(new Error('Migration 001-products-and-orders.sql was changed after it was applied'));

    await handler(updateRequest(), context());

    expect(received.map((r) => [r.body.Status, r.body.PhysicalResourceId, r.body.Reason])).toEqual([
      [
        'FAILED',
        'MyTestResource-physical',
        `Migration 001-products-and-orders.sql was changed after it was applied ${logs}`,
      ],
    ]);
  });

  it('answers FAILED when the pool cannot even be created (a missing setting)', async () => {
    createPool.mockImplementation(() => {
      throw new Error('Environment variable DATABASE_URL is not set (config key "databaseUrl")');
    });

    await handler(cfnRequest(), context());

    expect(migrate).not.toHaveBeenCalled();
    expect(received.map((r) => [r.body.Status, r.body.Reason])).toEqual([
      ['FAILED', `Environment variable DATABASE_URL is not set (config key "databaseUrl") ${logs}`],
    ]);
  });

  it('answers FAILED once, before the function times out, when the migrations never finish', async () => {
    migrate.mockReturnValue(new Promise(() => undefined));
    // 11 s left: the guard keeps 10 s for the answer, so it fires after about one second.
    const started = Date.now();
    let settled = false;
    void handler(cfnRequest(), context(11_000)).finally(() => (settled = true));

    while (received.length === 0 && Date.now() - started < 5_000) await sleep(20);
    await sleep(300);

    expect(received).toHaveLength(1);
    expect(received[0]!.body).toEqual({
      Status: 'FAILED',
      Reason: `Create timed out after 1 s, close to the function's timeout ${logs}`,
      PhysicalResourceId: 'MyTestResource',
      ...echoed,
      NoEcho: false,
    });
    const answeredAfter = received[0]!.at - started;
    expect(answeredAfter).toBeGreaterThanOrEqual(900);
    expect(answeredAfter).toBeLessThan(11_000 - 5_000);
    // The handler waits for the work (Lambda's timeout ends it, closing its connection).
    expect(settled).toBe(false);
  });

  it('never answers twice: migrations finishing after the timeout answer are not answered again', async () => {
    let finish: (applied: string[]) => void = () => undefined;
    migrate.mockReturnValue(new Promise((resolve) => (finish = resolve)));
    const invocation = handler(updateRequest(), context(10_200));

    while (received.length === 0) await sleep(20);
    finish(['003-reviews.sql']);
    await invocation;
    await sleep(100);

    expect(received.map((r) => [r.body.Status, r.body.Reason])).toEqual([
      ['FAILED', `Update timed out after 0 s, close to the function's timeout ${logs}`],
    ]);
  });

  it('tries the response URL again when it fails once, sending the same answer', async () => {
    migrate.mockResolvedValue(['002-import-sources.sql']);
    failures = 1;

    await handler(cfnRequest(), context());

    expect(received).toHaveLength(2);
    expect(received[1]!.body).toEqual(received[0]!.body);
    expect(received[1]!.body).toMatchObject({ Status: 'SUCCESS', Data: { applied: '002-import-sources.sql' } });
    expect(migrate).toHaveBeenCalledTimes(1);
  });

  it("answers FAILED to AWS's sample as it is, which lacks the ServiceToken CloudFormation always sends", async () => {
    await handler({ ...structuredClone(sample), ResponseURL: responseUrl }, context());

    expect(migrate).not.toHaveBeenCalled();
    expect(received.map((r) => [r.body.Status, r.body.PhysicalResourceId])).toEqual([['FAILED', 'MyTestResource']]);
    expect(received[0]!.body.Reason).toMatch(/^Invalid custom resource request: ServiceToken: /);
  });

  it('sends nothing for an event that says nowhere to answer', async () => {
    await handler({ RequestType: 'Create' }, context());

    expect(migrate).not.toHaveBeenCalled();
    expect(received).toEqual([]);
  });

  it('creates the pool once, on the first request that migrates', async () => {
    migrate.mockResolvedValue([]);

    await handler(cfnRequest(), context());
    await handler(updateRequest(), context());

    expect(createPool).toHaveBeenCalledTimes(1);
    expect(migrate.mock.calls).toEqual([[pool], [pool]]);
  });
});

describe('appliedList', () => {
  it('lists the migrations applied, or says none', () => {
    expect(appliedList([])).toBe('none');
    expect(appliedList(['001-a.sql', '002-b.sql'])).toBe('001-a.sql,002-b.sql');
  });

  it('gives a count and a range when the list would crowd the 4 KB answer', () => {
    const names = Array.from({ length: 200 }, (_, i) => `${String(i + 1).padStart(3, '0')}-a-migration.sql`);
    expect(appliedList(names)).toBe('200 migrations, 001-a-migration.sql to 200-a-migration.sql');
  });
});
