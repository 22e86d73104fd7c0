/**
 * recordBatch: the wrapper for a batch of records from an event source mapping (SQS now; Kinesis
 * and DynamoDB Streams next), on the observed-handler core (observed-handler.ts). Each record is
 * validated, its payload against the schema, and Powertools' BatchProcessor runs the handler on the
 * valid ones; the records that fail (invalid, or the handler threw) are reported alone in
 * `batchItemFailures` (the mapping's `functionResponseType: ReportBatchItemFailures`), so only
 * they come back: SQS redelivers them, a stream retries from the first of them. When every record
 * fails the invocation fails, as a whole-batch error should.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
 */
import { BatchProcessor, EventType, ParsingError, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { ParsedRecord, PartialItemFailureResponse } from '@aws-lambda-powertools/batch/types';
import { fromBase64 } from '@aws-lambda-powertools/commons/utils/base64';
import { unmarshallDynamoDB } from '@aws-lambda-powertools/commons/utils/unmarshallDynamoDB';
import type { Context, DynamoDBRecord, KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import { gunzipSync } from 'node:zlib';
import * as z from '../zod';
import { observedHandler } from './observed-handler';
import { changeRecordBase, dynamoDbStreamRecordSchema } from './schemas/dynamodb-stream';
import { kinesisDataStreamRecordSchema } from './schemas/kinesis';
import { sqsRecordSchema } from './schemas/sqs';

/** The records each event source mapping sends. */
export interface RecordsOf {
  SQS: SQSRecord;
  KinesisDataStreams: KinesisStreamRecord;
  DynamoDBStreams: DynamoDBRecord;
}

export type RecordSource = keyof RecordsOf;

export interface RecordBatchSpec<T extends RecordSource, S extends z.core.$ZodType> {
  /** Which event source mapping sends the batch. */
  source: T;
  /** Each record's payload: an SQS body, Kinesis data, a DynamoDB record's images. */
  payload: S;
  /** How the payload is read before it is validated: JSON, base64, or DynamoDB's attribute values. */
  transformer: 'json' | 'base64' | 'unmarshall';
  /**
   * Records side by side instead of one after another (the default: a stream's records are in
   * order, and work that shares a small connection pool only queues when run side by side).
   */
  processInParallel?: boolean;
}

export type BatchRecord<T extends RecordSource, S extends z.core.$ZodType> = ParsedRecord<RecordsOf[T], z.output<S>>;

// What the Powertools parser's batch integration does (@aws-lambda-powertools/batch/parser, with its
// helpers JSONStringified, Base64Encoded and DynamoDBMarshalled), with zod/mini: the parser's
// schemas are classic zod, which would bring all of classic zod into the bundle (shared/zod.ts).
const decoder = new TextDecoder();

function fromJson(text: string, context: z.core.ParsePayload): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    context.issues.push({ code: 'custom', message: `Invalid JSON - ${(error as Error).message}`, input: text });
    return z.NEVER;
  }
}

/** Base64 of gzipped JSON, of JSON, or of text: what it holds, like Powertools' Base64Encoded. */
function fromBase64Data(data: string): unknown {
  const decoded = decoder.decode(fromBase64(data, 'base64'));
  try {
    return JSON.parse(gunzipSync(fromBase64(data, 'base64')).toString('utf8'));
  } catch {
    // Not gzipped JSON.
  }
  try {
    return JSON.parse(decoded);
  } catch {
    return decoded;
  }
}

function fromAttributeValues(image: unknown, context: z.core.ParsePayload): unknown {
  try {
    return unmarshallDynamoDB(image as Parameters<typeof unmarshallDynamoDB>[0]);
  } catch {
    context.issues.push({ code: 'custom', message: 'Could not unmarshall DynamoDB stream record', input: image });
    return z.NEVER;
  }
}

function payloadReader(transformer: RecordBatchSpec<RecordSource, z.core.$ZodType>['transformer']) {
  switch (transformer) {
    case 'json':
      return z.pipe(z.string(), z.transform(fromJson));
    case 'base64':
      return z.pipe(z.string(), z.transform(fromBase64Data));
    case 'unmarshall':
      return z.pipe(z.union([z.custom(), z.record(z.string(), z.custom())]), z.transform(fromAttributeValues));
  }
}

/** The schema of a whole record, its payload read and validated (the parser's createExtendedSchema). */
function recordSchema(spec: RecordBatchSpec<RecordSource, z.core.$ZodType>): z.core.$ZodType {
  const payload = z.pipe(payloadReader(spec.transformer), spec.payload);
  switch (spec.source) {
    case 'SQS':
      return z.extend(sqsRecordSchema, { body: payload });
    case 'KinesisDataStreams':
      return z.extend(kinesisDataStreamRecordSchema, {
        kinesis: z.extend(kinesisDataStreamRecordSchema.shape.kinesis, { data: payload }),
      });
    case 'DynamoDBStreams':
      return z.extend(dynamoDbStreamRecordSchema, {
        dynamodb: z.extend(changeRecordBase, { OldImage: payload, NewImage: payload }),
      });
  }
}

export function recordBatch<T extends RecordSource, S extends z.core.$ZodType>(
  spec: RecordBatchSpec<T, S>,
  handleRecord: (record: BatchRecord<T, S>, context: Context) => Promise<void>,
): (event: { Records: RecordsOf[T][] }, context: Context) => Promise<PartialItemFailureResponse> {
  return observedHandler(batchOfRecords(spec, handleRecord));
}

/** recordBatch without its logging and metrics bracket: what the ETL bench times (bench/etl-load.ts). */
export function batchOfRecords<T extends RecordSource, S extends z.core.$ZodType>(
  spec: RecordBatchSpec<T, S>,
  handleRecord: (record: BatchRecord<T, S>, context: Context) => Promise<void>,
): (event: { Records: RecordsOf[T][] }, context: Context) => Promise<PartialItemFailureResponse> {
  // One per execution environment, like the logger: it holds no state between invocations.
  const processor = new BatchProcessor(EventType[spec.source]);
  const schema = recordSchema(spec);
  // A record that does not parse fails alone, with the parser's error (ParsingError, its issues).
  const parseAndHandle = (record: RecordsOf[T], context: Context) => {
    const parsed = z.safeParse(schema, record);
    if (!parsed.success) {
      throw new ParsingError(
        parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
      );
    }
    return handleRecord(parsed.data as BatchRecord<T, S>, context);
  };
  return (event, context) =>
    processPartialResponse(event, parseAndHandle, processor, {
      context,
      processInParallel: spec.processInParallel ?? false,
    });
}
