// The operations endpoint's function, fed AWS's own ALB sample events (with and without multi-value
// headers), with SQS and CloudWatch mocked and the schema check stubbed: what operators read, the
// ALB response shape, and the refusals (unknown path, wrong method).
import { GetMetricDataCommand, CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/ops/operations-endpoint';
import * as migrator from '../../../shared/adapters/postgres/migrator';
import { metrics } from '../../../shared/observability';
import headersOnlySample from '../../fixtures/events/alb-lambda-target-request-headers-only.json';
import multiValueSample from '../../fixtures/events/alb-lambda-target-request-multivalue-headers.json';
import { lambdaContext } from '../../helpers/http-events';

const sqs = mockClient(SQSClient);
const cloudWatch = mockClient(CloudWatchClient);
const migrationStatus = jest.spyOn(migrator, 'migrationStatus');
jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);

const queueUrl = (name: string) => `https://sqs.us-east-1.amazonaws.com/123456789012/${name}`;
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:123456789012:${name}`;

/** AWS's sample with the path and method of the request; multi-value unless said otherwise. */
function albEvent(path: string, { method = 'GET', multiValue = true } = {}) {
  const sample = structuredClone(multiValue ? multiValueSample : headersOnlySample);
  return { ...sample, path, httpMethod: method };
}

interface AlbAnswer {
  statusCode: number;
  statusDescription: string;
  isBase64Encoded: boolean;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
}

const call = async (event: unknown) => (await handler(event, lambdaContext())) as AlbAnswer;
const bodyOf = (answer: AlbAnswer) => JSON.parse(answer.body) as Record<string, any>;

beforeEach(() => {
  sqs.reset();
  cloudWatch.reset();
  sqs.on(ListQueuesCommand).resolves({
    QueueUrls: [queueUrl('shelf-test-imports'), queueUrl('shelf-test-imports-dlq')],
  });
  sqs.on(GetQueueAttributesCommand, { QueueUrl: queueUrl('shelf-test-imports') }).resolves({
    Attributes: {
      QueueArn: queueArn('shelf-test-imports'),
      ApproximateNumberOfMessages: '12',
      ApproximateNumberOfMessagesNotVisible: '3',
      ApproximateNumberOfMessagesDelayed: '0',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('shelf-test-imports-dlq'), maxReceiveCount: 5 }),
    },
  });
  sqs.on(GetQueueAttributesCommand, { QueueUrl: queueUrl('shelf-test-imports-dlq') }).resolves({
    Attributes: {
      QueueArn: queueArn('shelf-test-imports-dlq'),
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    },
  });
  cloudWatch.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      { Id: 'q0', Values: [42, 30] },
      { Id: 'q1', Values: [] },
    ],
  });
  migrationStatus.mockReset();
  migrationStatus.mockResolvedValue({ applied: 7, pending: [], changed: [], unknown: [] });
});

describe('GET /ops/health', () => {
  it('answers 200 with the schema migrated, every queue’s depth and age, and no workflow to count', async () => {
    const answer = await call(albEvent('/ops/health'));

    expect(answer).toMatchObject({ statusCode: 200, statusDescription: '200 OK', isBase64Encoded: false });
    const report = bodyOf(answer);
    expect(report).toMatchObject({
      healthy: true,
      problems: [],
      warnings: [],
      database: { reachable: true, migrated: true, appliedMigrations: 7, pending: [] },
      workflows: { declared: false, failedInLastHour: null },
    });
    expect(report.queues).toMatchObject({ readable: true, deadLetterMessages: 0 });
    expect(report.queues.queues).toEqual([
      {
        name: 'shelf-test-imports',
        deadLetter: false,
        visible: 12,
        inFlight: 3,
        delayed: 0,
        oldestMessageAgeSeconds: 42,
      },
      {
        name: 'shelf-test-imports-dlq',
        deadLetter: true,
        visible: 0,
        inFlight: 0,
        delayed: 0,
        oldestMessageAgeSeconds: null,
      },
    ]);
    // The stack's queues only: listed by the prefix every queue name of the stack starts with.
    expect(sqs).toHaveReceivedCommandWith(ListQueuesCommand, { QueueNamePrefix: 'shelf-test-' });
    expect(cloudWatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
      MetricDataQueries: [
        expect.objectContaining({
          Id: 'q0',
          MetricStat: expect.objectContaining({
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateAgeOfOldestMessage',
              Dimensions: [{ Name: 'QueueName', Value: 'shelf-test-imports' }],
            },
          }),
        }),
        expect.objectContaining({ Id: 'q1' }),
      ],
    });
  });

  it('answers in the multi-value form to a multi-value request, and with plain headers to the other', async () => {
    const multi = await call(albEvent('/ops/health'));
    const single = await call(albEvent('/ops/health', { multiValue: false }));

    expect(multi.headers).toBeUndefined();
    expect(multi.multiValueHeaders).toEqual({ 'content-type': ['application/json'], 'cache-control': ['no-store'] });
    expect(single.multiValueHeaders).toBeUndefined();
    expect(single.headers).toEqual({ 'content-type': 'application/json', 'cache-control': 'no-store' });
  });

  it('answers 503 Service Unavailable when the database cannot be reached, saying why', async () => {
    migrationStatus.mockRejectedValue(
      Object.assign(new Error('connect ECONNREFUSED 10.20.3.4:5432'), { code: 'ECONNREFUSED' }),
    );

    const answer = await call(albEvent('/ops/health'));

    expect(answer).toMatchObject({ statusCode: 503, statusDescription: '503 Service Unavailable' });
    const report = bodyOf(answer);
    expect(report).toMatchObject({
      healthy: false,
      database: { reachable: false, migrated: false, error: 'connect ECONNREFUSED 10.20.3.4:5432' },
    });
    expect(report.problems).toEqual(['database unreachable: connect ECONNREFUSED 10.20.3.4:5432']);
    // The rest of the report still stands.
    expect(report.queues.readable).toBe(true);
  });

  it('answers 503 when a shipped migration is not applied yet', async () => {
    migrationStatus.mockResolvedValue({ applied: 6, pending: ['007-x.sql'], changed: [], unknown: [] });

    const report = bodyOf(await call(albEvent('/ops/health')));

    expect(report).toMatchObject({
      healthy: false,
      database: { reachable: true, migrated: false, pending: ['007-x.sql'] },
    });
    expect(report.problems).toEqual(['migrations not applied: 007-x.sql']);
  });

  it('stays 200 but warns when messages wait in a dead-letter queue', async () => {
    sqs.on(GetQueueAttributesCommand, { QueueUrl: queueUrl('shelf-test-imports-dlq') }).resolves({
      Attributes: {
        QueueArn: queueArn('shelf-test-imports-dlq'),
        ApproximateNumberOfMessages: '2',
        ApproximateNumberOfMessagesNotVisible: '0',
        ApproximateNumberOfMessagesDelayed: '0',
      },
    });

    const answer = await call(albEvent('/ops/health'));

    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toMatchObject({
      healthy: true,
      warnings: ['2 message(s) in the dead-letter queue shelf-test-imports-dlq'],
      queues: { deadLetterMessages: 2 },
    });
  });

  it('keeps the depths and says so when CloudWatch cannot give the ages', async () => {
    cloudWatch
      .on(GetMetricDataCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const report = bodyOf(await call(albEvent('/ops/health')));

    expect(report.healthy).toBe(true);
    expect(report.queues.oldestMessageAge).toEqual({ unavailable: 'ThrottlingException: Rate exceeded' });
    expect(report.queues.queues.map((q: { visible: number }) => q.visible)).toEqual([12, 0]);
    expect(report.queues.queues.map((q: { oldestMessageAgeSeconds: null }) => q.oldestMessageAgeSeconds)).toEqual([
      null,
      null,
    ]);
    expect(report.warnings).toEqual(['oldest message ages unavailable: ThrottlingException: Rate exceeded']);
  });
});

describe('GET /ops/queues', () => {
  it('answers the queues alone, without touching the database', async () => {
    const answer = await call(albEvent('/ops/queues', { multiValue: false }));

    expect(answer).toMatchObject({ statusCode: 200, statusDescription: '200 OK' });
    expect(bodyOf(answer)).toMatchObject({
      readable: true,
      deadLetterMessages: 0,
      queues: [
        { name: 'shelf-test-imports', visible: 12 },
        { name: 'shelf-test-imports-dlq', visible: 0 },
      ],
    });
    expect(migrationStatus).not.toHaveBeenCalled();
  });

  it('answers 503 when SQS cannot be asked', async () => {
    sqs.on(ListQueuesCommand).rejects(Object.assign(new Error('Access denied'), { name: 'AccessDenied' }));

    const answer = await call(albEvent('/ops/queues'));

    expect(answer).toMatchObject({ statusCode: 503, statusDescription: '503 Service Unavailable' });
    expect(bodyOf(answer)).toEqual({ readable: false, error: 'AccessDenied: Access denied' });
  });
});

describe('refusals', () => {
  it('answers 404 in ALB’s shape to a path it does not serve (AWS’s sample as it is: GET /)', async () => {
    const answer = await call(structuredClone(multiValueSample));

    expect(answer).toMatchObject({ statusCode: 404, statusDescription: '404 Not Found', isBase64Encoded: false });
    expect(answer.multiValueHeaders).toMatchObject({ 'content-type': ['application/json'] });
    expect(bodyOf(answer)).toEqual({ error: { code: 'NOT_FOUND', message: 'No route for /', details: null } });
  });

  it('answers 405 with Allow to another method on a known path', async () => {
    const answer = await call(albEvent('/ops/health', { method: 'POST', multiValue: false }));

    expect(answer).toMatchObject({ statusCode: 405, statusDescription: '405 Method Not Allowed' });
    expect(answer.headers).toMatchObject({ allow: 'GET', 'content-type': 'application/json' });
    expect(bodyOf(answer)).toEqual({
      error: { code: 'METHOD_NOT_ALLOWED', message: '/ops/health answers GET only', details: { allowed: ['GET'] } },
    });
  });

  it('answers 500 without details to an event that is not from a load balancer', async () => {
    const answer = await call({ Records: [] });

    expect(answer).toMatchObject({ statusCode: 500, statusDescription: '500 Internal Server Error' });
    expect(bodyOf(answer)).toEqual({ error: { code: 'INTERNAL', message: 'Unexpected event', details: null } });
  });
});

describe('its configuration', () => {
  afterEach(() => (process.env.QUEUE_AGE_METRICS = 'cloudwatch'));

  it('refuses a misspelt QUEUE_AGE_METRICS when it loads, naming the values it takes', () => {
    process.env.QUEUE_AGE_METRICS = 'cloudwach';

    expect(() =>
      jest.isolateModules(() => {
        jest.requireActual('../../../services/ops/operations-endpoint');
      }),
    ).toThrow('QUEUE_AGE_METRICS must be cloudwatch or none, not "cloudwach"');
  });
});
