// The file processor's handler with AWS's sample S3 event: S3, SQS and DynamoDB mocked at the SDK.
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'csv-parse/sync';
import { handler } from '../../../services/imports/process-upload';
import type { ImportChunk } from '../../../shared/imports/import-chunk';
import s3Sample from '../../fixtures/events/s3-event.json';
import sqsSample from '../../fixtures/events/sqs-event.json';
import { lambdaContext } from '../../helpers/http-events';
import { csvFile, csvHeader, csvLine, importId } from './import-fixtures';

const bucket = 'shelf-test-uploads';
const eTag = s3Sample.Records[0]!.s3.object.eTag;
const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);
const dynamo = mockClient(DynamoDBDocumentClient);

/** AWS's sample S3 event, for these keys as S3 sends them: URL-encoded, spaces as '+'. */
function s3Event(...encodedKeys: string[]) {
  const sample = structuredClone(s3Sample);
  return {
    Records: encodedKeys.map((key) => {
      const record = structuredClone(sample.Records[0]!);
      record.s3.bucket.name = bucket;
      record.s3.bucket.arn = `arn:aws:s3:::${bucket}`;
      record.s3.object.key = key;
      return record;
    }),
  };
}

const uploadedFile = (content: string | Buffer) => {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 4096) pieces.push(bytes.subarray(i, i + 4096));
  return { Body: Readable.from(pieces) as unknown as GetObjectCommandOutput['Body'] };
};

/** The job as DynamoDB would hold it, PENDING for `key`; recordFileRead returns it LOADING. */
function jobTable(key: string, existingRowsLoaded?: number) {
  dynamo.on(UpdateCommand).callsFake((input: UpdateCommandInput): Partial<UpdateCommandOutput> => {
    const values = input.ExpressionAttributeValues ?? {};
    if (input.UpdateExpression?.startsWith('SET #status = :loading')) {
      return {
        Attributes: {
          importId,
          status: 'LOADING',
          uploadKey: key,
          fileETag: values[':etag'],
          rowsRead: values[':read'],
          rowsRejected: values[':rejected'],
          chunksSent: values[':chunks'],
          ...(existingRowsLoaded === undefined ? {} : { rowsLoaded: existingRowsLoaded }),
        },
      };
    }
    return {};
  });
}

const updates = () => dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);
const updateNamed = (prefix: string) => updates().filter((input) => input.UpdateExpression?.startsWith(prefix));
const sentChunks = () =>
  sqs
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => JSON.parse(entry.MessageBody!) as ImportChunk);

beforeEach(() => {
  s3.reset();
  sqs.reset();
  dynamo.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  s3.on(PutObjectCommand).resolves({ ETag: '"report"' });
});

describe('process-upload handler', () => {
  const key = `uploads/${importId}/spring catalog.csv`;
  const encodedKey = `uploads/${importId}/spring+catalog.csv`;
  const content = csvFile(csvLine('tea-1', '12.5', 3), csvLine('tea-2', 'abc'), csvLine('tea-3'), 'TEA-4,short');

  it('decodes the key, claims the job, sends the valid rows to the import queue and records the counts', async () => {
    jobTable(key);
    s3.on(GetObjectCommand).resolves(uploadedFile(content));

    const outcomes = await handler(s3Event(encodedKey), lambdaContext());

    expect(outcomes).toEqual([{ outcome: 'read', importId, rowsRead: 4, rowsRejected: 2, chunks: 1 }]);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: bucket, Key: key });
    expect(updateNamed('SET fileETag')).toEqual([
      expect.objectContaining({
        Key: { importId },
        ExpressionAttributeValues: expect.objectContaining({ ':key': key, ':etag': eTag }),
      }),
    ]);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: process.env.IMPORT_QUEUE_URL });
    expect(sentChunks()).toEqual([
      {
        importId,
        chunk: 1,
        rows: [
          expect.objectContaining({ row: 1, sku: 'TEA-1', priceCents: 1250, stock: 3 }),
          expect.objectContaining({ row: 3, sku: 'TEA-3', priceCents: 1200, stock: 5 }),
        ],
      },
    ]);
    expect(updateNamed('SET #status = :loading')).toEqual([
      expect.objectContaining({
        TableName: process.env.IMPORTS_TABLE,
        ExpressionAttributeValues: expect.objectContaining({
          ':etag': eTag,
          ':read': 4,
          ':rejected': 2,
          ':chunks': 1,
          ':rejectsKey': `rejects/${importId}.csv`,
        }),
      }),
    ]);
    // Two rows still to load: the job is not completed yet.
    expect(updateNamed('SET #status = :status')).toEqual([]);
  });

  it('writes the rejects report next to the upload, in the bucket named in the event', async () => {
    jobTable(key);
    s3.on(GetObjectCommand).resolves(uploadedFile(content));

    await handler(s3Event(encodedKey), lambdaContext());

    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: bucket, Key: `rejects/${importId}.csv` });
    const records: string[][] = parse(Buffer.from(put.Body as Uint8Array).toString(), { relax_column_count: true });
    expect(records[0]).toEqual(['row', 'line', 'reason', ...csvHeader.split(',')]);
    expect(
      records
        .slice(1)
        .map((r) => [r[0], r[1]])
        .sort(),
    ).toEqual([
      ['2', '3'],
      ['4', '5'],
    ]);
  });

  it('reads a gzipped upload', async () => {
    const gzKey = `uploads/${importId}/catalog.csv.gz`;
    jobTable(gzKey);
    s3.on(GetObjectCommand).resolves(uploadedFile(gzipSync(content)));

    const outcomes = await handler(s3Event(gzKey), lambdaContext());

    expect(outcomes).toEqual([{ outcome: 'read', importId, rowsRead: 4, rowsRejected: 2, chunks: 1 }]);
    expect(sentChunks().flatMap((c) => c.rows.map((r) => r.sku))).toEqual(['TEA-1', 'TEA-3']);
  });

  it('decodes percent-encoded characters as well as +', async () => {
    const oddKey = `uploads/${importId}/Spring (v2) 100%.csv`;
    jobTable(oddKey);
    s3.on(GetObjectCommand).resolves(uploadedFile(content));

    await handler(s3Event(`uploads/${importId}/Spring+%28v2%29+100%25.csv`), lambdaContext());

    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: bucket, Key: oddKey });
  });

  it('sends a large file in several batches, each within SQS limits', async () => {
    jobTable(key);
    const lines = Array.from({ length: 6000 }, (_, i) => csvLine(`big-${i + 1}`));
    s3.on(GetObjectCommand).resolves(uploadedFile(csvFile(...lines)));

    const [outcome] = await handler(s3Event(encodedKey), lambdaContext());

    const chunks = sentChunks();
    expect(outcome).toMatchObject({ outcome: 'read', rowsRead: 6000, rowsRejected: 0, chunks: chunks.length });
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(chunks.map((c) => c.chunk)).toEqual(chunks.map((_, i) => i + 1));
    expect(chunks.flatMap((c) => c.rows).map((r) => r.row)).toEqual(lines.map((_, i) => i + 1));
    const batches = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries!);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    for (const entries of batches) {
      expect(entries.length).toBeLessThanOrEqual(10);
      const bodies = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.MessageBody!), 0);
      expect(bodies).toBeLessThanOrEqual(240 * 1024);
    }
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(updateNamed('SET #status = :loading')[0]!.ExpressionAttributeValues).not.toHaveProperty(':rejectsKey');
  });

  it('completes the job at once when no row is valid', async () => {
    jobTable(key);
    s3.on(GetObjectCommand).resolves(uploadedFile(csvFile(csvLine('x-1', 'bad'), csvLine('x-2', 'bad'))));

    await handler(s3Event(encodedKey), lambdaContext());

    expect(sqs).not.toHaveReceivedAnyCommand();
    expect(updateNamed('SET #status = :status')).toEqual([
      expect.objectContaining({
        Key: { importId },
        ConditionExpression:
          '#status IN (:loading, :partial) AND rowsRead = :rowsRead AND attribute_not_exists(rowsLoaded) AND ' +
          'attribute_not_exists(rowsRefused) AND attribute_not_exists(rowsDeadLettered)',
        ExpressionAttributeValues: expect.objectContaining({ ':status': 'COMPLETED', ':rowsRead': 2 }),
      }),
    ]);
  });

  it('completes the job when the workers loaded every row before the counts were recorded', async () => {
    jobTable(key, 2);
    s3.on(GetObjectCommand).resolves(uploadedFile(content));

    await handler(s3Event(encodedKey), lambdaContext());

    expect(updateNamed('SET #status = :status')).toEqual([
      expect.objectContaining({
        ConditionExpression:
          '#status IN (:loading, :partial) AND rowsRead = :rowsRead AND rowsLoaded = :rowsLoaded AND ' +
          'attribute_not_exists(rowsRefused) AND attribute_not_exists(rowsDeadLettered)',
        ExpressionAttributeValues: expect.objectContaining({
          ':status': 'COMPLETED',
          ':rowsRead': 4,
          ':rowsLoaded': 2,
        }),
      }),
    ]);
  });

  it('fails the job, and succeeds, when the file lacks a column', async () => {
    jobTable(key);
    s3.on(GetObjectCommand).resolves(uploadedFile('sku,name,price\nA,n,1\n'));

    const outcomes = await handler(s3Event(encodedKey), lambdaContext());

    const reason = expect.stringContaining('lacks the columns category, currency, stock');
    expect(outcomes).toEqual([{ outcome: 'failed', importId, reason }]);
    expect(updateNamed('SET #status = :failed')).toEqual([
      expect.objectContaining({
        Key: { importId },
        ExpressionAttributeValues: expect.objectContaining({ ':reason': reason }),
      }),
    ]);
    expect(sqs).not.toHaveReceivedAnyCommand();
  });

  it('fails the job when a .csv.gz upload is not gzip', async () => {
    const gzKey = `uploads/${importId}/catalog.csv.gz`;
    jobTable(gzKey);
    s3.on(GetObjectCommand).resolves(uploadedFile(content));

    const outcomes = await handler(s3Event(gzKey), lambdaContext());

    expect(outcomes).toEqual([{ outcome: 'failed', importId, reason: expect.stringContaining('not valid gzip') }]);
    expect(updateNamed('SET #status = :failed')).toHaveLength(1);
  });

  it("ignores the sample event's own key (not an import upload) without calling AWS", async () => {
    const outcomes = await handler(s3Event(s3Sample.Records[0]!.s3.object.key), lambdaContext());

    expect(outcomes).toEqual([{ outcome: 'ignored', reason: 'Happy Face.jpg is not an import upload' }]);
    expect(dynamo).not.toHaveReceivedAnyCommand();
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('ignores an upload whose job is already past PENDING', async () => {
    dynamo
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    dynamo.on(GetCommand).resolves({ Item: { importId, status: 'LOADING', uploadKey: key, fileETag: eTag } });

    const outcomes = await handler(s3Event(encodedKey), lambdaContext());

    expect(outcomes).toEqual([{ outcome: 'ignored', reason: `import ${importId}: already-processed` }]);
    expect(s3).not.toHaveReceivedAnyCommand();
    expect(sqs).not.toHaveReceivedAnyCommand();
  });

  it('processes every record of the event', async () => {
    const other = '0190f5b2-7c1e-7a3b-8c4d-000000000002';
    dynamo.on(UpdateCommand).resolves({ Attributes: { status: 'LOADING', rowsRead: 1, rowsRejected: 0 } });
    s3.on(GetObjectCommand).callsFake(() => uploadedFile(csvFile(csvLine('m-1'))));

    const outcomes = await handler(s3Event(encodedKey, `uploads/${other}/b.csv`), lambdaContext());

    expect(outcomes.map((o) => o.outcome === 'read' && o.importId)).toEqual([importId, other]);
    expect(sentChunks().map((c) => c.importId)).toEqual([importId, other]);
  });

  it('throws on a transient SQS error, so Lambda retries the event, and leaves the job PENDING', async () => {
    jobTable(key);
    s3.on(GetObjectCommand).resolves(uploadedFile(content));
    sqs.on(SendMessageBatchCommand).rejects(new Error('ServiceUnavailable'));

    await expect(handler(s3Event(encodedKey), lambdaContext())).rejects.toThrow('ServiceUnavailable');

    expect(updateNamed('SET #status')).toEqual([]);
    expect(s3).not.toHaveReceivedCommand(CreateMultipartUploadCommand);
  });

  it('throws on an event that is not an S3 notification', async () => {
    await expect(handler(structuredClone(sqsSample), lambdaContext())).rejects.toThrow();

    expect(dynamo).not.toHaveReceivedAnyCommand();
  });
});
