import { gunzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  checkTransformation,
  DeliveryStream,
  type DeliveryStreamConfig,
  type FirehoseTransformationEvent,
  type Invocation,
  type SourceRecord,
} from '../../../../infra/local/aws/firehose/delivery-stream';
import responseSample from '../../../fixtures/events/kinesis-firehose-response.json';
import { clickstreamArn, dataLakeStream, eventually, stripPersonalDataArn } from './firehose-fixtures';

const s3 = mockClient(S3Client);
// 23:59:58 UTC on 2 December 2026: the partition is that day's, not the next.
const arrivedAt = Date.UTC(2026, 11, 2, 23, 59, 58);

let sequence = 0;
const record = (text: string, shardId = 'shardId-000000000000'): SourceRecord => ({
  data: Buffer.from(text),
  arrivedAt,
  kinesis: {
    shardId,
    partitionKey: 'session-1',
    sequenceNumber: String(49_000_000 + ++sequence),
    subsequenceNumber: 0,
    approximateArrivalTimestamp: arrivedAt,
  },
});

/** A transformation that upper-cases what it keeps, drops "drop…" and fails "fail…". */
function upperCasing(_key: string, event: unknown): Promise<Invocation> {
  const { records } = event as FirehoseTransformationEvent;
  return Promise.resolve({
    status: 200,
    payload: {
      records: records.map(({ recordId, data }) => {
        const text = Buffer.from(data, 'base64').toString();
        const result = text.startsWith('drop') ? 'Dropped' : text.startsWith('fail') ? 'ProcessingFailed' : 'Ok';
        return { recordId, result, data: Buffer.from(`${text.toUpperCase()}\n`).toString('base64') };
      }),
    },
  });
}

interface Harness {
  stream: DeliveryStream;
  invocations: FirehoseTransformationEvent[];
  checkpoints: Record<string, string>[];
  /** PutObject and checkpoint calls, in the order they happened. */
  journal: string[];
}

function harness(
  config: DeliveryStreamConfig,
  invoke: (key: string, event: unknown) => Promise<Invocation> = upperCasing,
  scale = 0.001,
): Harness {
  const invocations: FirehoseTransformationEvent[] = [];
  const checkpoints: Record<string, string>[] = [];
  const journal: string[] = [];
  s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    journal.push(`put ${input.Key}`);
    return {};
  });
  const stream = new DeliveryStream(config, {
    region: 'us-east-1',
    s3: new S3Client({ region: 'us-east-1' }),
    invoke: (key, event) => {
      invocations.push(structuredClone(event) as FirehoseTransformationEvent);
      return invoke(key, event);
    },
    timing: { scale, retryDelayMs: 1 },
    checkpoint: (positions) => {
      checkpoints.push(positions);
      journal.push(`checkpoint ${JSON.stringify(positions)}`);
    },
  });
  return { stream, invocations, checkpoints, journal };
}

const objects = () =>
  s3.commandCalls(PutObjectCommand).map(({ args: [command] }) => {
    const body = command.input.Body as Buffer;
    return { key: command.input.Key!, text: gunzipSync(body).toString('utf8'), input: command.input };
  });
const objectUnder = (prefix: string) => () => objects().find((object) => object.key.startsWith(prefix));

beforeEach(() => s3.reset());

describe('the local Firehose delivery stream', () => {
  it('invokes the transformation with Firehose’s event: ids, arrival times, base64 data, Kinesis metadata', async () => {
    const { stream, invocations } = harness(dataLakeStream());
    const first = record('a view', 'shardId-000000000001');

    const [recordId] = stream.put([first]);
    await stream.flush();

    expect(invocations).toEqual([
      {
        invocationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        deliveryStreamArn: dataLakeStream().arn,
        sourceKinesisStreamArn: clickstreamArn,
        region: 'us-east-1',
        records: [
          {
            recordId,
            approximateArrivalTimestamp: arrivedAt,
            data: Buffer.from('a view').toString('base64'),
            kinesisRecordMetadata: {
              shardId: 'shardId-000000000001',
              partitionKey: 'session-1',
              sequenceNumber: first.kinesis!.sequenceNumber,
              subsequenceNumber: 0,
              approximateArrivalTimestamp: arrivedAt,
            },
          },
        ],
      },
    ]);
    expect(recordId).toBe(`${first.kinesis!.sequenceNumber}000000`);
  });

  it('writes what the function kept, gzipped, under the prefix of the day the oldest record arrived', async () => {
    const { stream } = harness(dataLakeStream());

    stream.put([record('first'), record('second')]);
    await stream.flush();

    const [object] = objects();
    expect(object!.key).toMatch(
      /^clickstream\/year=2026\/month=12\/day=02\/shelf-local-clickstream-to-data-lake-1-2026-12-02-23-59-58-[0-9a-f-]{36}\.gz$/,
    );
    expect(object!.text).toBe('FIRST\nSECOND\n');
    expect(object!.input.Bucket).toBe('shelf-local-data-lake-us-east-1-000000000000');
    expect(objects()).toHaveLength(1);
  });

  it('delivers once the buffer interval has passed (300 s declared, scaled), not before', async () => {
    // 60 s for the processor and 300 s for S3, at a thousandth: 60 ms, then 300 ms.
    const { stream } = harness(dataLakeStream());

    stream.put([record('waiting')]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(objects()).toEqual([]);
    expect(stream.idle).toBe(false);

    const object = await eventually(objectUnder('clickstream/'), 'the object');
    expect(object.text).toBe('WAITING\n');
    await eventually(() => (stream.idle ? true : undefined), 'the stream to be idle');
  });

  it('delivers as soon as the buffer holds its size, without waiting for the interval', async () => {
    // Intervals of 1,000 seconds at scale 1: only size can deliver within the test.
    const { stream, invocations } = harness(
      dataLakeStream({
        buffering: { sizeBytes: 20, intervalSeconds: 1000 },
        processor: { ...dataLakeStream().processor!, bufferSizeBytes: 10, bufferIntervalSeconds: 1000 },
      }),
      upperCasing,
      1,
    );

    stream.put([record('12345'), record('67890'), record('abcde')]);
    stream.put([record('fghij')]);

    const object = await eventually(objectUnder('clickstream/'), 'an object');
    // Processor batches of 10 bytes (two records), an object once 20 bytes (with newlines) are kept.
    expect(invocations.map((event) => event.records.length)).toEqual([2, 2]);
    expect(object.text).toBe('12345\n67890\nABCDE\nFGHIJ\n');
    await stream.stop();
  });

  it('leaves Dropped records out and writes ProcessingFailed ones to the error output as Firehose does', async () => {
    const { stream } = harness(dataLakeStream());
    const failing = record('failing record');

    stream.put([record('kept'), record('dropped by the function'), failing]);
    await stream.flush();

    expect(objectUnder('clickstream/')()!.text).toBe('KEPT\n');
    const errors = objectUnder('clickstream-errors/processing-failed/year=2026/month=12/day=02/')();
    const lines = errors!.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      {
        rawData: Buffer.from('failing record').toString('base64'),
        errorCode: 'Lambda.ProcessingFailedStatus',
        errorMessage: 'ProcessingFailed status set for record',
        attemptsMade: 1,
        arrivalTimestamp: arrivedAt,
        attemptEndingTimestamp: expect.any(Number),
        lambdaARN: stripPersonalDataArn,
      },
    ]);
    expect(Object.keys(lines[0])).toEqual([
      'rawData',
      'errorCode',
      'errorMessage',
      'attemptsMade',
      'arrivalTimestamp',
      'attemptEndingTimestamp',
      'lambdaARN',
    ]);
  });

  it('retries a failing function NumberOfRetries times, then writes the whole batch to the error output', async () => {
    const failing = (): Promise<Invocation> =>
      Promise.resolve({
        status: 200,
        functionError: 'Unhandled',
        payload: { errorMessage: 'boom' },
      });
    const { stream, invocations } = harness(dataLakeStream(), failing);

    stream.put([record('one'), record('two')]);
    await stream.flush();

    expect(invocations).toHaveLength(4);
    expect(objectUnder('clickstream/')()).toBeUndefined();
    const lines = objectUnder('clickstream-errors/')()!
      .text.split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(lines.map(({ errorCode, attemptsMade, rawData }) => [errorCode, attemptsMade, rawData])).toEqual([
      ['Lambda.FunctionError', 4, Buffer.from('one').toString('base64')],
      ['Lambda.FunctionError', 4, Buffer.from('two').toString('base64')],
    ]);
  });

  it('delivers a batch the function answered on a retry', async () => {
    let calls = 0;
    const flaky = (key: string, event: unknown) =>
      ++calls === 1
        ? Promise.resolve<Invocation>({ status: 200, functionError: 'Unhandled', payload: {} })
        : upperCasing(key, event);
    const { stream } = harness(dataLakeStream(), flaky);

    stream.put([record('second time lucky')]);
    await stream.flush();

    expect(calls).toBe(2);
    expect(objectUnder('clickstream/')()!.text).toBe('SECOND TIME LUCKY\n');
    expect(objectUnder('clickstream-errors/')()).toBeUndefined();
  });

  it('checkpoints each shard only after the objects holding its records are written', async () => {
    const { stream, journal } = harness(dataLakeStream());
    const a = record('a', 'shardId-000000000000');
    const b = record('b', 'shardId-000000000001');
    const c = record('fail c', 'shardId-000000000000');

    stream.put([a, b, c]);
    await stream.flush();

    expect(journal).toEqual([
      expect.stringMatching(/^put clickstream\//),
      expect.stringMatching(/^put clickstream-errors\//),
      `checkpoint ${JSON.stringify({ 'shardId-000000000000': c.kinesis!.sequenceNumber, 'shardId-000000000001': b.kinesis!.sequenceNumber })}`,
    ]);
  });

  it('checkpoints a batch the function dropped whole without writing an object', async () => {
    const { stream, checkpoints } = harness(dataLakeStream());
    const robot = record('drop me');

    stream.put([robot]);
    await stream.flush();

    expect(objects()).toEqual([]);
    expect(checkpoints).toEqual([{ 'shardId-000000000000': robot.kinesis!.sequenceNumber }]);
  });

  it('tries a failed S3 write again, and checkpoints only once it is written', async () => {
    const { stream, journal } = harness(dataLakeStream());
    s3.on(PutObjectCommand)
      .rejectsOnce(new Error('SlowDown'))
      .callsFake((input: PutObjectCommandInput) => {
        journal.push(`put ${input.Key}`);
        return {};
      });

    stream.put([record('persistent')]);
    await stream.flush();

    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(2);
    expect(journal).toEqual([expect.stringMatching(/^put clickstream\//), expect.stringMatching(/^checkpoint/)]);
  });

  it('writes records as they came when the stream has no transformation', async () => {
    const { stream, invocations } = harness(
      dataLakeStream({
        processor: undefined,
        compression: 'UNCOMPRESSED',
        prefix: 'raw/',
        errorOutputPrefix: undefined,
      }),
    );

    stream.put([{ data: Buffer.from('as is\n'), arrivedAt }]);
    await stream.flush();

    const [put] = s3.commandCalls(PutObjectCommand);
    expect(invocations).toEqual([]);
    expect(put!.args[0].input.Key).toMatch(
      /^raw\/2026\/12\/02\/23\/shelf-local-clickstream-to-data-lake-1-2026-12-02-23-59-58-[0-9a-f-]{36}$/,
    );
    expect((put!.args[0].input.Body as Buffer).toString()).toBe('as is\n');
  });
});

describe('checking a transformation’s answer as Firehose does', () => {
  const ok = (recordId: string) => ({ recordId, result: 'Ok', data: 'eA==' });
  const answer = (payload: unknown): Invocation => ({ status: 200, payload });

  it('takes every record back once, with Ok, Dropped or ProcessingFailed, in the order sent', () => {
    const checked = checkTransformation(
      answer({
        records: [{ recordId: 'b', result: 'Dropped' }, ok('a'), { recordId: 'c', result: 'ProcessingFailed' }],
      }),
      ['a', 'b', 'c'],
    );

    expect(checked).toEqual({
      ok: true,
      results: [{ result: 'Ok', data: Buffer.from('x') }, { result: 'Dropped' }, { result: 'ProcessingFailed' }],
    });
  });

  it.each([
    ['a record left out', { records: [ok('a')] }, 'Lambda.MissingRecordId'],
    ['a record twice', { records: [ok('a'), ok('a'), ok('b')] }, 'Lambda.DuplicatedRecordId'],
    ['a record never sent', { records: [ok('a'), ok('b'), ok('z')] }, 'Lambda.JsonProcessingException'],
    [
      'Ok without base64 data',
      { records: [ok('a'), { recordId: 'b', result: 'Ok', data: 'not base64!' }] },
      'Lambda.JsonProcessingException',
    ],
    ['no records list', { batchItemFailures: [] }, 'Lambda.JsonProcessingException'],
    ['nothing', null, 'Lambda.JsonProcessingException'],
  ])('refuses an answer with %s', (_what, payload, errorCode) => {
    expect(checkTransformation(answer(payload), ['a', 'b'])).toEqual({
      ok: false,
      failure: { errorCode, errorMessage: expect.any(String) },
    });
  });

  it('refuses AWS’s sample response: its results are a library’s enum names, not Firehose’s', () => {
    const ids = responseSample.records.map((record) => record.recordId);

    expect(checkTransformation(answer(responseSample), ids)).toEqual({
      ok: false,
      failure: {
        errorCode: 'Lambda.JsonProcessingException',
        errorMessage: expect.stringContaining('TRANSFORMED_STATE_OK'),
      },
    });
  });

  it('names a function that could not be invoked', () => {
    expect(
      checkTransformation({ status: 404, functionError: 'ResourceNotFoundException', payload: {} }, ['a']),
    ).toEqual({
      ok: false,
      failure: { errorCode: 'Lambda.ResourceNotFound', errorMessage: expect.any(String) },
    });
  });
});
