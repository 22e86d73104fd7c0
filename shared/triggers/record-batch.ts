/**
 * recordBatch: the wrapper for a batch of records from an event source mapping (SQS now; Kinesis
 * and DynamoDB Streams next), on the observed-handler core (observed-handler.ts). Powertools'
 * BatchProcessor validates each record's payload against the schema and runs the handler on the
 * valid ones; the records that fail (invalid, or the handler threw) are reported alone in
 * `batchItemFailures` (the mapping's `functionResponseType: ReportBatchItemFailures`), so only
 * they come back: SQS redelivers them, a stream retries from the first of them. When every record
 * fails the invocation fails, as a whole-batch error should.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import type { ParsedRecord, PartialItemFailureResponse } from '@aws-lambda-powertools/batch/types';
import type { Context, DynamoDBRecord, KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import type * as z from '../zod';
import { observedHandler } from './observed-handler';

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

export function recordBatch<T extends RecordSource, S extends z.core.$ZodType>(
  spec: RecordBatchSpec<T, S>,
  handleRecord: (record: BatchRecord<T, S>, context: Context) => Promise<void>,
): (event: { Records: RecordsOf[T][] }, context: Context) => Promise<PartialItemFailureResponse> {
  // One per execution environment, like the logger: it holds no state between invocations.
  const processor = new BatchProcessor(EventType[spec.source], {
    parser,
    innerSchema: spec.payload,
    transformer: spec.transformer,
  });
  return observedHandler((event, context) =>
    processPartialResponse(event, handleRecord, processor, {
      context,
      processInParallel: spec.processInParallel ?? false,
    }),
  );
}
