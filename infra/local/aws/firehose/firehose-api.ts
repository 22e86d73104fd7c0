/**
 * Firehose's API for records put directly (a DirectPut delivery stream), on the local endpoint:
 * JSON 1.1 over HTTP, the operation in `X-Amz-Target: Firehose_20150804.<Operation>`, so
 * `@aws-sdk/client-firehose` works against it unchanged (AWS_ENDPOINT_URL_FIREHOSE). It serves
 * PutRecord, PutRecordBatch, ListDeliveryStreams and DescribeDeliveryStream, with Firehose's
 * limits: 500 records and 4 MiB a batch, 1,000 KiB a record. Signatures are not checked.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeliveryStream, DeliveryStreamConfig } from './delivery-stream';

export const localAccountId = '000000000000';

/** What the API needs to know of a delivery stream. */
export interface ApiDeliveryStream {
  config: DeliveryStreamConfig;
  type: 'DirectPut' | 'KinesisStreamAsSource';
  /** Set once its triggers run (records put before then are refused as not yet active). */
  engine?: DeliveryStream;
}

export class FirehoseError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const maxRecordBytes = 1_000 * 1024;
const maxBatchRecords = 500;
const maxBatchBytes = 4 * 1024 * 1024;
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeRecord(record: unknown, where: string): Buffer {
  const data = (record as { Data?: unknown } | null)?.Data;
  if (typeof data !== 'string' || !base64.test(data))
    throw new FirehoseError(
      'ValidationException',
      `1 validation error detected: Value at '${where}.data' must be base64`,
    );
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length === 0 || bytes.length > maxRecordBytes)
    throw new FirehoseError(
      'ValidationException',
      `1 validation error detected: Value at '${where}.data' failed to satisfy constraint: Member must have length between 1 and ${maxRecordBytes}`,
    );
  return bytes;
}

export function firehoseOperations(streams: Map<string, ApiDeliveryStream>) {
  const find = (name: unknown): ApiDeliveryStream => {
    const stream = typeof name === 'string' ? streams.get(name) : undefined;
    if (!stream)
      throw new FirehoseError(
        'ResourceNotFoundException',
        `Firehose ${String(name)} under account ${localAccountId} not found.`,
      );
    return stream;
  };
  const writable = (name: unknown): DeliveryStream => {
    const stream = find(name);
    if (stream.type !== 'DirectPut')
      throw new FirehoseError(
        'InvalidArgumentException',
        `This operation is not permitted on KinesisStreamAsSource delivery stream type.`,
      );
    if (!stream.engine)
      throw new FirehoseError('ServiceUnavailableException', `Firehose ${String(name)} is not active yet.`, 503);
    return stream.engine;
  };
  const now = () => Date.now();

  return {
    PutRecord: (input: { DeliveryStreamName?: unknown; Record?: unknown }) => {
      const engine = writable(input.DeliveryStreamName);
      const [RecordId] = engine.put([{ data: decodeRecord(input.Record, 'record'), arrivedAt: now() }]);
      return { RecordId, Encrypted: false };
    },
    PutRecordBatch: (input: { DeliveryStreamName?: unknown; Records?: unknown }) => {
      const engine = writable(input.DeliveryStreamName);
      const records = input.Records;
      if (!Array.isArray(records) || records.length === 0 || records.length > maxBatchRecords)
        throw new FirehoseError(
          'ValidationException',
          `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and ${maxBatchRecords}`,
        );
      const datas = records.map((record, index) => decodeRecord(record, `records.${index + 1}.member`));
      if (datas.reduce((sum, data) => sum + data.length, 0) > maxBatchBytes)
        throw new FirehoseError('InvalidArgumentException', `Records size exceeds 4 MiB limit`);
      const arrivedAt = now();
      const ids = engine.put(datas.map((data) => ({ data, arrivedAt })));
      return { FailedPutCount: 0, Encrypted: false, RequestResponses: ids.map((RecordId) => ({ RecordId })) };
    },
    ListDeliveryStreams: (input: { DeliveryStreamType?: unknown }) => {
      const names = [...streams.values()]
        .filter((stream) => input.DeliveryStreamType === undefined || stream.type === input.DeliveryStreamType)
        .map((stream) => stream.config.name)
        .sort();
      return { DeliveryStreamNames: names, HasMoreDeliveryStreams: false };
    },
    DescribeDeliveryStream: (input: { DeliveryStreamName?: unknown }) => {
      const { config, type, engine } = find(input.DeliveryStreamName);
      return {
        DeliveryStreamDescription: {
          DeliveryStreamName: config.name,
          DeliveryStreamARN: config.arn,
          DeliveryStreamStatus: engine ? 'ACTIVE' : 'CREATING',
          DeliveryStreamType: type,
          VersionId: '1',
          ...(config.sourceStreamArn
            ? { Source: { KinesisStreamSourceDescription: { KinesisStreamARN: config.sourceStreamArn } } }
            : {}),
          Destinations: [
            {
              DestinationId: 'destinationId-000000000001',
              ExtendedS3DestinationDescription: {
                BucketARN: `arn:aws:s3:::${config.bucket}`,
                Prefix: config.prefix ?? '',
                ErrorOutputPrefix: config.errorOutputPrefix ?? '',
                BufferingHints: {
                  SizeInMBs: config.buffering.sizeBytes / (1024 * 1024),
                  IntervalInSeconds: config.buffering.intervalSeconds,
                },
                CompressionFormat: config.compression,
                ProcessingConfiguration: { Enabled: config.processor !== undefined },
              },
            },
          ],
          HasMoreDestinations: false,
        },
      };
    },
  };
}

type Operations = ReturnType<typeof firehoseOperations>;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    // A full batch is 4 MiB of data, a third more as base64, plus the JSON around it.
    if (size > 8 * 1024 * 1024) throw new FirehoseError('InvalidArgumentException', 'Request too large', 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, body: unknown, errorType?: string) {
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(JSON.stringify(body));
}

async function handle(operations: Operations, request: IncomingMessage, response: ServerResponse) {
  try {
    const target = String(request.headers['x-amz-target'] ?? '');
    const [service, operation = ''] = target.split('.');
    if (request.method !== 'POST' || service !== 'Firehose_20150804' || !(operation in operations))
      throw new FirehoseError('UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target)'}`);
    const text = await readBody(request);
    let input: unknown;
    try {
      input = text ? JSON.parse(text) : {};
    } catch {
      throw new FirehoseError('SerializationException', 'The request body is not JSON');
    }
    const run = operations[operation as keyof Operations] as (input: unknown) => unknown;
    send(response, 200, run(input ?? {}));
  } catch (error) {
    const failure =
      error instanceof FirehoseError ? error : new FirehoseError('ServiceUnavailableException', String(error), 500);
    send(response, failure.status, { __type: failure.type, message: failure.message }, failure.type);
  }
}

/** Listens on 127.0.0.1:`port` (0: any free port). */
export async function startFirehoseApi(
  streams: Map<string, ApiDeliveryStream>,
  port: number,
): Promise<{ endpoint: string; server: Server; stop(): Promise<void> }> {
  const operations = firehoseOperations(streams);
  const server = createServer((request, response) => void handle(operations, request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
