// POST /events through httpRoute, with Kinesis, DynamoDB (the rate-limit counters) and Secrets
// Manager (the HMAC key) mocked at the SDK.
import { createHmac } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as recordEvents } from '../../../services/clickstream/record-events';
import { httpEvent, invoke, type HttpEventOptions } from '../../helpers/http-events';

const kinesis = mockClient(KinesisClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const hashKey = 'k'.repeat(64);
const sourceIp = '203.0.113.9';

const event = (overrides: Record<string, unknown> = {}) => ({
  type: 'view',
  sku: 'mug-001',
  sessionId: 's_8f3kQ2-abc',
  occurredAt: new Date(Date.now() - 2000).toISOString(),
  ...overrides,
});

function postEvents(body: unknown, options: Partial<HttpEventOptions> = {}) {
  const request = httpEvent({ method: 'POST', route: '/events', body, ...options });
  request.requestContext.http.sourceIp = sourceIp;
  return request;
}

/** The records of every PutRecords call, decoded. */
const putCalls = () =>
  kinesis.commandCalls(PutRecordsCommand).map(({ args: [command] }) => {
    const input = command.input;
    return {
      streamName: input.StreamName,
      records: input.Records!.map((r) => ({
        partitionKey: r.PartitionKey,
        data: JSON.parse(Buffer.from(r.Data!).toString('utf8')) as Record<string, unknown>,
      })),
    };
  });

/** Kinesis's answer: every record stored but those at `failed`. */
const putResult = (count: number, failed: number[] = []) => ({
  FailedRecordCount: failed.length,
  Records: Array.from({ length: count }, (_, i) =>
    failed.includes(i)
      ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' }
      : { SequenceNumber: `4959${i}`, ShardId: 'shardId-000000000000' },
  ),
});

const fieldsNamedIn = (body: unknown) => [
  ...new Set((body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field)),
];

beforeEach(() => {
  kinesis.reset();
  dynamo.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: hashKey });
  dynamo.on(UpdateCommand).resolves({});
  kinesis
    .on(PutRecordsCommand)
    .callsFake((input: PutRecordsCommandInput) => Promise.resolve(putResult(input.Records!.length)));
});

describe('POST /events', () => {
  it('answers 202 with the count and puts one record per event, keyed by session id', async () => {
    const before = Date.now();
    const events = [event(), event({ type: 'add-to-cart', sku: 'TEA-2', sessionId: 'other-session-1' })];

    const response = await invoke(recordEvents, postEvents({ events }));

    expect(response.statusCode).toBe(202);
    expect(response.body).toEqual({ accepted: 2 });
    const [call, ...others] = putCalls();
    expect(others).toEqual([]);
    expect(call!.streamName).toBe('shelf-test-clickstream');
    expect(call!.records).toEqual([
      {
        partitionKey: 's_8f3kQ2-abc',
        data: {
          type: 'view',
          sku: 'MUG-001',
          sessionId: 's_8f3kQ2-abc',
          occurredAt: events[0]!.occurredAt,
          receivedAt: expect.any(String),
          ip: sourceIp,
          userAgent: 'curl/7.58.0',
        },
      },
      {
        partitionKey: 'other-session-1',
        data: expect.objectContaining({ type: 'add-to-cart', sku: 'TEA-2', ip: sourceIp }),
      },
    ]);
    const receivedAt = Date.parse(call!.records[0]!.data.receivedAt as string);
    expect(receivedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(receivedAt).toBeLessThanOrEqual(Date.now());
  });

  it('leaves out a user agent the stores cannot hold as it is, and cuts a long one', async () => {
    const bidi = await invoke(
      recordEvents,
      postEvents({ events: [event()] }, { headers: { 'user-agent': 'Evil\u202eagent' } }),
    );
    const long = await invoke(
      recordEvents,
      postEvents({ events: [event()] }, { headers: { 'user-agent': 'A'.repeat(2000) } }),
    );

    expect([bidi.statusCode, long.statusCode]).toEqual([202, 202]);
    expect(putCalls().map((call) => call.records[0]!.data.userAgent)).toEqual(['', 'A'.repeat(512)]);
  });

  it('writes no user id, even when the request carries a token (the route checks none)', async () => {
    const response = await invoke(
      recordEvents,
      postEvents({ events: [event()] }, { headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' } }),
    );

    expect(response.statusCode).toBe(202);
    expect(putCalls()[0]!.records[0]!.data).not.toHaveProperty('userId');
  });

  it('counts the events against an HMAC of the caller address, never the address itself', async () => {
    const now = Math.floor(Date.now() / 1000);

    await invoke(recordEvents, postEvents({ events: [event(), event(), event()] }));

    const [update] = dynamo.commandCalls(UpdateCommand).map(({ args: [command] }) => command.input);
    expect(update!.TableName).toBe('shelf-test-clickstream-rate-limits');
    const key = (update!.Key as { pk: string }).pk;
    const windowStart = now - (now % 60);
    expect([
      `${createHmac('sha256', hashKey).update(sourceIp).digest('hex')}#${windowStart}`,
      `${createHmac('sha256', hashKey).update(sourceIp).digest('hex')}#${windowStart + 60}`,
    ]).toContain(key);
    expect(JSON.stringify(update)).not.toContain(sourceIp);
    expect(update!.ExpressionAttributeValues).toMatchObject({ ':cost': 3, ':room': 1000 - 3 });
    expect(update!.ExpressionAttributeValues![':expiresAt']).toBeGreaterThan(now + 60);
  });

  it('answers 429 with Retry-After and a JSON error when the caller used its minute, and puts nothing', async () => {
    dynamo
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    const response = await invoke(recordEvents, postEvents({ events: [event()] }));

    expect(response.statusCode).toBe(429);
    const retryAfter = Number(response.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toMatchObject({
      error: { code: 'RATE_LIMITED', details: { retryAfterSeconds: retryAfter } },
    });
    expect(putCalls()).toEqual([]);
  });

  describe('when Kinesis does not take every record', () => {
    it('sends again only the records that failed, and answers 202 once they are stored', async () => {
      kinesis
        .on(PutRecordsCommand)
        .resolvesOnce(putResult(4, [1, 3]))
        .callsFake((input: PutRecordsCommandInput) => Promise.resolve(putResult(input.Records!.length)));
      const events = ['A-1', 'B-2', 'C-3', 'D-4'].map((sku) => event({ sku }));

      const response = await invoke(recordEvents, postEvents({ events }));

      expect(response.statusCode).toBe(202);
      expect(response.body).toEqual({ accepted: 4 });
      expect(putCalls().map((call) => call.records.map((r) => r.data.sku))).toEqual([
        ['A-1', 'B-2', 'C-3', 'D-4'],
        ['B-2', 'D-4'],
      ]);
    });

    it('answers 503 naming what was stored and what was not after three tries, never 202', async () => {
      // The record for C-3 always fails, wherever it is in the call.
      kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
        const skus = input.Records!.map((r) => (JSON.parse(Buffer.from(r.Data!).toString()) as { sku: string }).sku);
        return Promise.resolve(
          putResult(
            skus.length,
            skus.flatMap((sku, i) => (sku === 'C-3' ? [i] : [])),
          ),
        );
      });
      const events = ['A-1', 'B-2', 'C-3', 'D-4'].map((sku) => event({ sku }));

      const response = await invoke(recordEvents, postEvents({ events }));

      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(response.body).toEqual({
        error: {
          code: 'NOT_STORED',
          message: '1 of 4 events could not be stored; send those again',
          details: { accepted: 3, notStored: [2] },
        },
      });
      expect(putCalls().map((call) => call.records.length)).toEqual([4, 1, 1]);
    });

    it('answers 503 with none accepted when every PutRecords call fails', async () => {
      kinesis.on(PutRecordsCommand).rejects(new Error('connect ECONNREFUSED'));

      const response = await invoke(recordEvents, postEvents({ events: [event(), event()] }));

      expect(response.statusCode).toBe(503);
      expect(response.body).toMatchObject({ error: { details: { accepted: 0, notStored: [0, 1] } } });
      expect(JSON.stringify(response.body)).not.toContain('ECONNREFUSED');
    });
  });

  describe('validation', () => {
    it.each([
      ['type', { type: 'click' }],
      ['sku', { sku: 'no spaces!' }],
      ['sku', { sku: 'A'.repeat(41) }],
      ['sessionId', { sessionId: 'short' }],
      ['sessionId', { sessionId: 'has space in it' }],
      ['sessionId', { sessionId: 's'.repeat(65) }],
      ['occurredAt', { occurredAt: 'yesterday' }],
      ['occurredAt', { occurredAt: new Date(Date.now() - 25 * 3600_000).toISOString() }],
      ['occurredAt', { occurredAt: new Date(Date.now() + 3600_000).toISOString() }],
      ['occurredAt', { occurredAt: 1767225600000 }],
    ])('refuses a bad %s (%j) with 400 naming the field, and puts nothing', async (field, overrides) => {
      const response = await invoke(recordEvents, postEvents({ events: [event(), event(overrides)] }));

      expect(response.statusCode).toBe(400);
      expect(fieldsNamedIn(response.body)).toEqual([`body.events.1.${field}`]);
      expect(putCalls()).toEqual([]);
    });

    it('refuses unknown fields (a user id or an e-mail sent along) with 400', async () => {
      const response = await invoke(recordEvents, postEvents({ events: [event({ email: 'a@example.com' })] }));

      expect(response.statusCode).toBe(400);
      expect(putCalls()).toEqual([]);
    });

    it.each([
      ['no events', { events: [] }],
      ['no events field', {}],
    ])('refuses %s with 400', async (_, body) => {
      const response = await invoke(recordEvents, postEvents(body));

      expect(response.statusCode).toBe(400);
      expect(fieldsNamedIn(response.body)).toEqual(['body.events']);
    });

    it('takes 500 events in one PutRecords call and refuses 501', async () => {
      const accepted = await invoke(recordEvents, postEvents({ events: Array.from({ length: 500 }, () => event()) }));
      const refused = await invoke(recordEvents, postEvents({ events: Array.from({ length: 501 }, () => event()) }));

      expect(accepted.statusCode).toBe(202);
      expect(accepted.body).toEqual({ accepted: 500 });
      expect(putCalls().map((call) => call.records.length)).toEqual([500]);
      expect(refused.statusCode).toBe(400);
      expect(fieldsNamedIn(refused.body)).toEqual(['body.events']);
    });

    it('takes a body over the API-wide 64 KiB and refuses one over 256 KiB with 413', async () => {
      // 500 events with 64-character session ids: about 75 KB of JSON.
      const large = { events: Array.from({ length: 500 }, (_, i) => event({ sessionId: `${i}`.padEnd(64, 'x') })) };
      const tooLarge = JSON.stringify({ events: [event()], padding: ' '.repeat(256 * 1024) });

      const accepted = await invoke(recordEvents, postEvents(large));
      const refused = await invoke(recordEvents, postEvents(undefined, { rawBody: tooLarge }));

      expect(JSON.stringify(large).length).toBeGreaterThan(64 * 1024);
      expect(accepted.statusCode).toBe(202);
      expect(refused.statusCode).toBe(413);
      expect(refused.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    });
  });
});
