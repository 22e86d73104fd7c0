import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { FirehoseTransformationEvent, Invocation } from '../../../../infra/local/aws/firehose/delivery-stream';
import {
  checkpointStore,
  createFirehoseService,
  deliveryStreamConfig,
  type FirehoseStarted,
  type KinesisStreamSource,
} from '../../../../infra/local/aws/firehose/service';
import { Destinations } from '../../../../infra/local/lambda/destinations';
import type { StreamReader, StreamShard } from '../../../../infra/local/lambda/stream-source';
import { localIntrinsics, type LocalResource } from '../../../../infra/local/local-resources';
import type { CfnResource, ServiceConfig } from '../../../../infra/service-config';
import { clickstreamArn, dataLakeBucket, dataLakeStream, eventually } from './firehose-fixtures';

const s3 = mockClient(S3Client);
const region = 'us-east-1';

/** infra/resources/data-lake.yml's delivery stream as `serverless print --stage local` gives it. */
const clickstreamDelivery: CfnResource = {
  Type: 'AWS::KinesisFirehose::DeliveryStream',
  DependsOn: 'ClickstreamDeliveryRole',
  Properties: {
    DeliveryStreamName: 'shelf-local-clickstream-to-data-lake',
    DeliveryStreamType: 'KinesisStreamAsSource',
    KinesisStreamSourceConfiguration: {
      KinesisStreamARN: { 'Fn::GetAtt': ['ClickstreamStream', 'Arn'] },
      RoleARN: { 'Fn::GetAtt': ['ClickstreamDeliveryRole', 'Arn'] },
    },
    ExtendedS3DestinationConfiguration: {
      BucketARN: { 'Fn::GetAtt': ['DataLakeBucket', 'Arn'] },
      RoleARN: { 'Fn::GetAtt': ['ClickstreamDeliveryRole', 'Arn'] },
      Prefix: 'clickstream/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/',
      ErrorOutputPrefix:
        'clickstream-errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/',
      BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 64 },
      CompressionFormat: 'GZIP',
      EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
      S3BackupMode: 'Disabled',
      CloudWatchLoggingOptions: {
        Enabled: true,
        LogGroupName: { Ref: 'ClickstreamDeliveryLogGroup' },
        LogStreamName: { Ref: 'ClickstreamDeliveryLogStream' },
      },
      ProcessingConfiguration: {
        Enabled: true,
        Processors: [
          {
            Type: 'Lambda',
            Parameters: [
              {
                ParameterName: 'LambdaArn',
                ParameterValue: { 'Fn::GetAtt': ['StripPersonalDataLambdaFunction', 'Arn'] },
              },
              { ParameterName: 'BufferSizeInMBs', ParameterValue: '1' },
              { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '60' },
              { ParameterName: 'NumberOfRetries', ParameterValue: '3' },
            ],
          },
        ],
      },
    },
  },
};

const directPut: CfnResource = {
  Type: 'AWS::KinesisFirehose::DeliveryStream',
  Properties: {
    DeliveryStreamName: 'shelf-local-audit',
    ExtendedS3DestinationConfiguration: {
      BucketARN: { 'Fn::GetAtt': ['DataLakeBucket', 'Arn'] },
      Prefix: 'audit/',
      BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 1 },
    },
  },
};

function serviceConfig(): ServiceConfig {
  return {
    service: 'shelf',
    provider: { region, stage: 'local' },
    functions: {
      stripPersonalData: {
        handler: 'services/clickstream/strip-personal-data.handler',
        name: 'shelf-local-stripPersonalData',
      },
    },
    resources: { Resources: { ClickstreamDeliveryStream: clickstreamDelivery, AuditDeliveryStream: directPut } },
  };
}

function createdResources(): Map<string, LocalResource> {
  return new Map<string, LocalResource>([
    ['DataLakeBucket', { type: 'AWS::S3::Bucket', ref: dataLakeBucket, arn: `arn:aws:s3:::${dataLakeBucket}` }],
    ['ClickstreamStream', { type: 'AWS::Kinesis::Stream', ref: 'shelf-local-clickstream', arn: clickstreamArn }],
    // Not created locally: nothing may resolve them.
  ]);
}

const parse = (logicalId: string, resource: CfnResource) =>
  deliveryStreamConfig(logicalId, resource, {
    config: serviceConfig(),
    intrinsics: localIntrinsics(serviceConfig(), createdResources()),
    region,
  });

describe('a declared delivery stream, read for the local Firehose', () => {
  it('takes the data lake’s stream as infra/resources/data-lake.yml declares it', () => {
    expect(parse('ClickstreamDeliveryStream', clickstreamDelivery)).toEqual({
      logicalId: 'ClickstreamDeliveryStream',
      type: 'KinesisStreamAsSource',
      config: dataLakeStream(),
    });
  });

  it('gives a stream Firehose’s defaults where it declares nothing: DirectPut, 5 MB, 300 s, uncompressed', () => {
    const { type, config } = parse('Plain', {
      Type: 'AWS::KinesisFirehose::DeliveryStream',
      Properties: { S3DestinationConfiguration: { BucketARN: `arn:aws:s3:::${dataLakeBucket}` } },
    });

    expect({ type, name: config.name, buffering: config.buffering, compression: config.compression }).toEqual({
      type: 'DirectPut',
      name: 'shelf-local-Plain',
      buffering: { sizeBytes: 5 * 1024 * 1024, intervalSeconds: 300 },
      compression: 'UNCOMPRESSED',
    });
  });

  it.each([
    [
      {
        ExtendedS3DestinationConfiguration: {
          BucketARN: `arn:aws:s3:::${dataLakeBucket}`,
          CompressionFormat: 'Snappy',
        },
      },
      /Snappy is not emulated/,
    ],
    [{ HttpEndpointDestinationConfiguration: {} }, /delivers to S3 only/],
    [
      {
        DeliveryStreamType: 'MSKAsSource',
        S3DestinationConfiguration: { BucketARN: `arn:aws:s3:::${dataLakeBucket}` },
      },
      /MSKAsSource/,
    ],
    [
      { S3DestinationConfiguration: { BucketARN: `arn:aws:s3:::${dataLakeBucket}`, Prefix: '!{timestamp:yyyy}/' } },
      /ErrorOutputPrefix must be set/,
    ],
  ])('refuses at start what it cannot deliver as Firehose would: %j', (properties, problem) => {
    expect(() => parse('Broken', { Type: 'AWS::KinesisFirehose::DeliveryStream', Properties: properties })).toThrow(
      problem,
    );
  });
});

/** A Kinesis stream in memory, read as the Kinesis module's StreamReader reads one. */
class FakeKinesis implements StreamReader<{ seq: string; text: string }> {
  readonly streamArn = clickstreamArn;
  readonly shards: Record<string, { seq: string; text: string }[]> = { 'shardId-000000000000': [] };
  readonly reads: { shardId: string; after?: string }[] = [];
  private next = 100;

  add(shardId: string, text: string) {
    (this.shards[shardId] ??= []).push({ seq: String(this.next++), text });
  }
  listShards(): Promise<StreamShard[]> {
    return Promise.resolve(Object.keys(this.shards).map((shardId) => ({ shardId })));
  }
  read(shardId: string, from: { after?: string }) {
    this.reads.push({ shardId, after: from.after });
    const records = this.shards[shardId]!.filter((r) => from.after === undefined || BigInt(r.seq) > BigInt(from.after));
    return Promise.resolve({ records, end: false });
  }
  sequenceNumber(record: { seq: string }) {
    return record.seq;
  }
  arrivedAt() {
    return Date.UTC(2026, 11, 2, 12);
  }
  size(record: { text: string }) {
    return record.text.length;
  }
}

const kinesisSource = (reader: FakeKinesis): KinesisStreamSource<{ seq: string; text: string }> => ({
  reader,
  parts: (record) => ({
    data: Buffer.from(record.text),
    partitionKey: 'session-1',
    sequenceNumber: record.seq,
    arrivedAt: reader.arrivedAt(),
  }),
});

describe('the local Firehose service', () => {
  let dataDir: string;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(() => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({});
    dataDir = mkdtempSync(join(tmpdir(), 'shelf-firehose-'));
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startService(reader: FakeKinesis, invoke: (key: string, event: unknown) => Promise<Invocation>) {
    const service = createFirehoseService({
      kinesisSource: () => kinesisSource(reader),
      timing: { scale: 0.001, retryDelayMs: 1, pollIntervalMs: 10 },
    });
    const config = serviceConfig();
    const supervisorStops: (() => Promise<void>)[] = [];
    const started = await service.start!({
      port: 0,
      dataDir,
      supervisor: { add: (_name: string, stop: () => Promise<void>) => supervisorStops.push(stop) } as never,
      fail: () => undefined,
      log: () => undefined,
      webOrigins: [],
    });
    stops.push(async () => {
      for (const stop of supervisorStops) await stop();
    });
    const resources = createdResources();
    const created = await service.createResources!(Object.entries(config.resources.Resources), {
      config,
      region,
      started,
      intrinsics: localIntrinsics(config, resources),
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      webOrigins: [],
      endpoints: { s3: 'http://127.0.0.1:1' },
    });
    for (const [id, resource] of created) resources.set(id, resource);
    const triggers = await service.startTriggers!({
      config,
      region,
      started,
      resources,
      intrinsics: localIntrinsics(config, resources),
      endpoints: { s3: 'http://127.0.0.1:1', firehose: started.endpoint },
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      invoke: invoke,
      destinations: new Destinations(),
      functionOutput: () => () => undefined,
      dataDir,
      log: () => undefined,
    });
    stops.push(() => triggers.stop());
    return { started, created, triggers };
  }

  const echo = (_key: string, event: unknown): Promise<Invocation> =>
    Promise.resolve({
      status: 200,
      payload: {
        records: (event as FirehoseTransformationEvent).records.map(({ recordId, data }) => ({
          recordId,
          result: 'Ok',
          data,
        })),
      },
    });
  const putObjects = () => s3.commandCalls(PutObjectCommand).map(({ args: [command] }) => command.input);

  it('creates the declared delivery streams: Ref is the name, the ARN in the local account', async () => {
    const { created, started } = await startService(new FakeKinesis(), echo);

    expect(Object.fromEntries(created)).toEqual({
      ClickstreamDeliveryStream: {
        type: 'AWS::KinesisFirehose::DeliveryStream',
        ref: 'shelf-local-clickstream-to-data-lake',
        arn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/shelf-local-clickstream-to-data-lake',
      },
      AuditDeliveryStream: {
        type: 'AWS::KinesisFirehose::DeliveryStream',
        ref: 'shelf-local-audit',
        arn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/shelf-local-audit',
      },
    });
    expect(started.functionEnv).toEqual({ AWS_ENDPOINT_URL_FIREHOSE: started.endpoint });
  });

  it('reads the Kinesis stream through the transformation into S3, and resumes from its checkpoint', async () => {
    const reader = new FakeKinesis();
    reader.add('shardId-000000000000', '{"n":1}\n');
    reader.add('shardId-000000000000', '{"n":2}\n');
    const { triggers } = await startService(reader, echo);

    const [object] = await eventually(() => (putObjects().length ? putObjects() : undefined), 'the object');
    expect(object!.Key).toMatch(/^clickstream\/year=2026\/month=12\/day=02\/shelf-local-clickstream-to-data-lake-1-/);
    await eventually(
      () => (reader.reads.some((read) => read.after === '101') ? true : undefined),
      'a read after the last record',
    );
    await triggers.idle();
    expect(triggers.sources).toEqual([
      'Kinesis shelf-local-clickstream → Firehose ClickstreamDeliveryStream → stripPersonalData → S3 ' + dataLakeBucket,
      `Firehose AuditDeliveryStream (PutRecord) → S3 ${dataLakeBucket}`,
    ]);
    await triggers.stop();
    const saved = JSON.parse(
      readFileSync(join(dataDir, 'checkpoints', 'shelf-local-clickstream-to-data-lake.checkpoints.json'), 'utf8'),
    );
    expect(saved).toEqual({ 'shardId-000000000000': '101' });

    // A new start of the same data directory reads after the checkpoint: nothing is delivered twice.
    const again = new FakeKinesis();
    again.shards['shardId-000000000000'] = reader.shards['shardId-000000000000']!;
    s3.resetHistory();
    await startService(again, echo);
    await eventually(() => (again.reads.length > 0 ? true : undefined), 'the first read');
    expect(again.reads[0]).toEqual({ shardId: 'shardId-000000000000', after: '101' });
  });

  it('takes PutRecordBatch and PutRecord as Firehose’s JSON 1.1 API does, for a DirectPut stream', async () => {
    const { started, triggers } = await startService(new FakeKinesis(), echo);
    const call = (operation: string, body: unknown) =>
      fetch(started.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Firehose_20150804.${operation}` },
        body: JSON.stringify(body),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));

    const batch = await call('PutRecordBatch', {
      DeliveryStreamName: 'shelf-local-audit',
      Records: [{ Data: Buffer.from('one\n').toString('base64') }, { Data: Buffer.from('two\n').toString('base64') }],
    });
    const single = await call('PutRecord', {
      DeliveryStreamName: 'shelf-local-audit',
      Record: { Data: Buffer.from('three\n').toString('base64') },
    });

    expect(batch).toEqual({
      status: 200,
      body: {
        FailedPutCount: 0,
        Encrypted: false,
        RequestResponses: [{ RecordId: expect.any(String) }, { RecordId: expect.any(String) }],
      },
    });
    expect(single).toEqual({ status: 200, body: { RecordId: expect.any(String), Encrypted: false } });
    // The stream's 60 s buffer lasts 60 ms here: on a busy machine the two calls may land in two
    // objects. Either way every record arrives once, in order.
    const expected = 'one\ntwo\nthree\n';
    const delivered = await eventually(() => {
      const text = putObjects()
        .filter((input) => input.Key!.startsWith('audit/'))
        .map((input) => (input.Body as Buffer).toString())
        .join('');
      return text.length >= expected.length ? text : undefined;
    }, 'the audit objects');
    expect(delivered).toBe(expected);
    await triggers.idle();

    expect(await call('PutRecord', { DeliveryStreamName: 'nope', Record: { Data: 'eA==' } })).toEqual({
      status: 400,
      body: { __type: 'ResourceNotFoundException', message: 'Firehose nope under account 000000000000 not found.' },
    });
    expect(
      await call('PutRecord', { DeliveryStreamName: 'shelf-local-clickstream-to-data-lake', Record: { Data: 'eA==' } }),
    ).toEqual({
      status: 400,
      body: { __type: 'InvalidArgumentException', message: expect.stringContaining('KinesisStreamAsSource') },
    });
    expect((await call('PutRecordBatch', { DeliveryStreamName: 'shelf-local-audit', Records: [] })).body.__type).toBe(
      'ValidationException',
    );
    expect((await call('ListDeliveryStreams', {})).body).toEqual({
      DeliveryStreamNames: ['shelf-local-audit', 'shelf-local-clickstream-to-data-lake'],
      HasMoreDeliveryStreams: false,
    });
  });

  it('refuses to start a Kinesis-sourced stream when it was given no Kinesis reader', async () => {
    const service = createFirehoseService();
    const started: FirehoseStarted = {
      endpoint: 'http://127.0.0.1:1',
      functionEnv: { AWS_ENDPOINT_URL_FIREHOSE: 'http://127.0.0.1:1' },
      streams: new Map([
        ['shelf-local-clickstream-to-data-lake', parse('ClickstreamDeliveryStream', clickstreamDelivery)],
      ]),
      dataDir,
    };

    await expect(
      service.startTriggers!({
        config: serviceConfig(),
        region,
        started,
        resources: createdResources(),
        intrinsics: localIntrinsics(serviceConfig(), createdResources()),
        endpoints: { s3: 'http://127.0.0.1:1' },
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        invoke: echo,
        destinations: new Destinations(),
        functionOutput: () => () => undefined,
        dataDir,
        log: () => undefined,
      }),
    ).rejects.toThrow(/no Kinesis reader/);
  });
});

describe('a delivery stream’s checkpoints', () => {
  it('are kept in a file, merged shard by shard', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shelf-checkpoints-'));
    try {
      const store = checkpointStore(dir, 'stream');
      await store.save({ a: '1' });
      await store.save({ b: '2' });
      await store.save({ a: '3' });

      expect(await checkpointStore(dir, 'stream').load()).toEqual({ a: '3', b: '2' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
