// The operations endpoint through the local stack: curl-like requests to the local ALB listener
// (infra/local/aws/alb/) → the operationsEndpoint function → PostgreSQL's schema_migrations and the
// local SQS. The depth checked exactly is a scratch queue's of this test's own, named like the
// stack's queues (so the endpoint counts it, as it would a queue added to infra/resources/), which
// no other test or trigger touches.
import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, DeleteQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { localCredentials } from '../../infra/local/aws/local-credentials';
import { readMigrations } from '../../shared/adapters/postgres/migrator';

const albUrl = () => process.env.SHELF_TEST_ALB_URL!;
const sqs = new SQSClient({
  region: process.env.SHELF_TEST_REGION,
  endpoint: process.env.SHELF_TEST_SQS_URL,
  credentials: localCredentials,
});
const queueName = (url: string) => url.split('/').at(-1)!;

async function get(path: string, method = 'GET') {
  const response = await fetch(`${albUrl()}${path}`, { method });
  return {
    status: response.status,
    statusText: response.statusText,
    contentType: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, any>,
  };
}

describe('the operations endpoint (local ALB)', () => {
  const scratch = `shelf-local-it-ops-${randomUUID().slice(0, 8)}`;
  let scratchUrl: string;

  beforeAll(async () => {
    ({ QueueUrl: scratchUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: scratch })));
  });
  afterAll(async () => {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: scratchUrl }));
    sqs.destroy();
  });

  it('GET /ops/health: the database reachable and migrated, and every queue’s depth, a message just sent included', async () => {
    for (const n of [1, 2]) {
      await sqs.send(new SendMessageCommand({ QueueUrl: scratchUrl, MessageBody: `ops endpoint test ${n}` }));
    }

    const { status, statusText, contentType, body } = await get('/ops/health');

    expect([status, statusText, contentType]).toEqual([200, 'OK', 'application/json']);
    expect(body).toMatchObject({
      healthy: true,
      problems: [],
      database: {
        reachable: true,
        migrated: true,
        appliedMigrations: readMigrations().length,
        pending: [],
        changed: [],
      },
      // The order fulfilment state machine exists; its failures come from CloudWatch, which the
      // local stack does not have, and the report says so instead of counting zero.
      workflows: { declared: true, failedInLastHour: null, reason: expect.stringContaining('no CloudWatch') },
    });
    const queues = body.queues.queues as { name: string; deadLetter: boolean; visible: number }[];
    expect(queues.find((q) => q.name === scratch)).toEqual({
      name: scratch,
      deadLetter: false,
      visible: 2,
      inFlight: 0,
      delayed: 0,
      oldestMessageAgeSeconds: null,
    });
    // The stack's own queues, from serverless.yml, with the dead-letter queue told apart by SQS's
    // RedrivePolicy.
    const imports = queueName(process.env.SHELF_TEST_IMPORT_QUEUE_URL!);
    const importsDlq = queueName(process.env.SHELF_TEST_IMPORT_DLQ_URL!);
    expect(queues.find((q) => q.name === imports)).toMatchObject({ deadLetter: false, visible: expect.any(Number) });
    expect(queues.find((q) => q.name === importsDlq)).toMatchObject({ deadLetter: true, visible: expect.any(Number) });
    expect(queues.every((q) => q.name.startsWith('shelf-local-'))).toBe(true);
    // No CloudWatch locally: said so, not zero.
    expect(body.queues.oldestMessageAge).toEqual({
      unavailable: 'no CloudWatch metrics on this stage (QUEUE_AGE_METRICS=none)',
    });
  });

  it('GET /ops/queues: the depths alone', async () => {
    const { status, body } = await get('/ops/queues');

    expect(status).toBe(200);
    expect(body.readable).toBe(true);
    expect(body.queues.map((q: { name: string }) => q.name)).toContain(scratch);
    expect(body.database).toBeUndefined();
  });

  it('refuses an unknown path with a JSON 404, whether the function or the listener answers it', async () => {
    const underOps = await get('/ops/nothing-here');
    const elsewhere = await get('/admin');

    expect([underOps.status, underOps.statusText]).toEqual([404, 'Not Found']);
    expect(underOps.body).toEqual({
      error: { code: 'NOT_FOUND', message: 'No route for /ops/nothing-here', details: null },
    });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('refuses another method with a JSON 405', async () => {
    const { status, body } = await get('/ops/health', 'DELETE');

    expect(status).toBe(405);
    expect(body).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED', details: { allowed: ['GET'] } } });
  });
});
