// A function's `stream` events (osls's syntax) read into the stream poller's mappings, with the
// defaults the framework deploys, and startStreamPollers as the Kinesis and DynamoDB Streams
// modules call it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TriggerContext } from '../../../../infra/local/aws/local-service';
import { Destinations } from '../../../../infra/local/lambda/destinations';
import type { Invocation } from '../../../../infra/local/lambda/invoke';
import { startStreamPollers, streamMappings } from '../../../../infra/local/lambda/stream-mappings';
import type { StreamEventFormat, StreamReader } from '../../../../infra/local/lambda/stream-source';
import { localIntrinsics, type LocalResource } from '../../../../infra/local/local-resources';
import type { ServiceConfig } from '../../../../infra/service-config';

const auditStream = 'arn:aws:dynamodb:us-east-1:000000000000:table/shelf-local-audit/stream/2026-03-01T10:00:00.000';
const clicks = 'arn:aws:kinesis:us-east-1:000000000000:stream/shelf-local-clicks';
const failuresQueue = 'arn:aws:sqs:us-east-1:000000000000:shelf-local-stream-failures';

const resources = new Map<string, LocalResource>([
  [
    'AuditTable',
    {
      type: 'AWS::DynamoDB::Table',
      ref: 'shelf-local-audit',
      arn: 'arn:aws:dynamodb:us-east-1:000000000000:table/shelf-local-audit',
      attributes: { StreamArn: auditStream },
    },
  ],
  ['ClickStream', { type: 'AWS::Kinesis::Stream', ref: 'shelf-local-clicks', arn: clicks }],
  ['StreamFailuresQueue', { type: 'AWS::SQS::Queue', ref: 'http://q/failures', arn: failuresQueue }],
]);

function config(events: Record<string, unknown>[]): ServiceConfig {
  return {
    service: 'shelf',
    provider: { region: 'us-east-1', stage: 'local' },
    functions: {
      auditCatalog: { handler: 'a.handler', name: 'shelf-local-auditCatalog', events },
      other: { handler: 'o.handler', events: [{ httpApi: { method: 'GET', path: '/x' } }] },
    },
    resources: { Resources: {} },
  };
}

const mappingsOf = (events: Record<string, unknown>[], type: 'dynamodb' | 'kinesis') => {
  const c = config(events);
  return streamMappings(c, type, localIntrinsics(c, resources));
};

describe('stream events', () => {
  it('reads every setting osls takes, resolving the stream and the destination', () => {
    const [mapping] = mappingsOf(
      [
        {
          stream: {
            type: 'dynamodb',
            arn: { 'Fn::GetAtt': ['AuditTable', 'StreamArn'] },
            batchSize: 100,
            batchWindow: 5,
            startingPosition: 'LATEST',
            maximumRetryAttempts: 3,
            maximumRecordAgeInSeconds: 3600,
            bisectBatchOnFunctionError: true,
            functionResponseType: 'ReportBatchItemFailures',
            destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['StreamFailuresQueue', 'Arn'] } } },
            tumblingWindowInSeconds: 60,
            parallelizationFactor: 2,
            enabled: false,
          },
        },
      ],
      'dynamodb',
    );

    expect(mapping).toEqual({
      type: 'dynamodb',
      functionKey: 'auditCatalog',
      eventSourceArn: auditStream,
      enabled: false,
      batchSize: 100,
      maximumBatchingWindowSeconds: 5,
      startingPosition: 'LATEST',
      maximumRetryAttempts: 3,
      maximumRecordAgeSeconds: 3600,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      tumblingWindowSeconds: 60,
      parallelizationFactor: 2,
      onFailure: failuresQueue,
    });
  });

  it("fills in the framework's and Lambda's defaults, and takes an ARN alone, its type from the ARN", () => {
    const [mapping] = mappingsOf([{ stream: clicks }], 'kinesis');

    expect(mapping).toEqual({
      type: 'kinesis',
      functionKey: 'auditCatalog',
      eventSourceArn: clicks,
      enabled: true,
      batchSize: 10,
      maximumBatchingWindowSeconds: 0,
      startingPosition: 'TRIM_HORIZON',
      maximumRetryAttempts: -1,
      maximumRecordAgeSeconds: -1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: false,
      tumblingWindowSeconds: 0,
      parallelizationFactor: 1,
    });
  });

  it('gives each module only the events of its type, and takes onFailure as an ARN alone', () => {
    const events = [
      {
        stream: {
          type: 'kinesis',
          arn: { 'Fn::GetAtt': ['ClickStream', 'Arn'] },
          destinations: { onFailure: failuresQueue },
        },
      },
      { stream: { type: 'dynamodb', arn: auditStream } },
    ];

    expect(mappingsOf(events, 'kinesis').map((m) => [m.eventSourceArn, m.onFailure])).toEqual([
      [clicks, failuresQueue],
    ]);
    expect(mappingsOf(events, 'dynamodb').map((m) => m.eventSourceArn)).toEqual([auditStream]);
  });

  it('refuses what it cannot honour: filter patterns, AT_TIMESTAMP without a timestamp', () => {
    expect(() => mappingsOf([{ stream: { arn: clicks, filterPatterns: [{ data: { a: [1] } }] } }], 'kinesis')).toThrow(
      /filterPatterns/,
    );
    expect(() => mappingsOf([{ stream: { arn: clicks, startingPosition: 'AT_TIMESTAMP' } }], 'kinesis')).toThrow(
      /startingPositionTimestamp/,
    );
  });
});

describe('startStreamPollers', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'shelf-stream-mappings-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  interface Item {
    seq: string;
  }
  /** A stream with one shard holding `items`. */
  const reader = (streamArn: string, items: Item[]): StreamReader<Item> => ({
    streamArn,
    listShards: () => Promise.resolve([{ shardId: 'shard-0' }]),
    read: (_shard, { after }) => {
      const start = after === undefined ? 0 : items.findIndex((i) => i.seq === after) + 1;
      return Promise.resolve({ records: items.slice(start), end: false });
    },
    sequenceNumber: (item) => item.seq,
    arrivedAt: () => Date.now(),
    size: () => 100,
  });
  const format: StreamEventFormat<Item> = {
    eventSource: 'aws:kinesis',
    batchInfoKey: 'KinesisBatchInfo',
    toLambdaRecord: (item) => ({ sequenceNumber: item.seq }),
  };

  it('polls every enabled mapping, names it by its resource, and keeps checkpoints in the data folder', async () => {
    const c = config([
      { stream: { type: 'kinesis', arn: { 'Fn::GetAtt': ['ClickStream', 'Arn'] } } },
      { stream: { type: 'kinesis', arn: clicks, enabled: false } },
    ]);
    const invoked: unknown[] = [];
    const context: TriggerContext<{ endpoint: string }> = {
      config: c,
      region: 'us-east-1',
      started: { endpoint: 'http://127.0.0.1:4567' },
      resources,
      intrinsics: localIntrinsics(c, resources),
      endpoints: {},
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      invoke: (_key, event) => {
        invoked.push(event);
        return Promise.resolve<Invocation>({ status: 200, payload: null });
      },
      destinations: new Destinations(),
      functionOutput: () => () => undefined,
      dataDir,
      log: () => undefined,
    };

    const triggers = startStreamPollers(context, {
      type: 'kinesis',
      label: 'Kinesis',
      reader: (arn) => reader(arn, [{ seq: '1' }, { seq: '2' }]),
      format,
      timing: { pollIntervalMs: 5 },
    });
    await triggers.idle();
    await triggers.stop();

    expect(triggers.sources).toEqual([
      'Kinesis ClickStream → auditCatalog',
      'Kinesis ClickStream → auditCatalog (disabled)',
    ]);
    expect(invoked).toEqual([{ Records: [{ sequenceNumber: '1' }, { sequenceNumber: '2' }] }]);
    expect(JSON.parse(readFileSync(join(dataDir, 'checkpoints.json'), 'utf8'))).toEqual({
      [`auditCatalog ${clicks}`]: { 'shard-0': '2' },
    });
  });
});
