/**
 * An SQS record as an event source mapping sends it: the Powertools parser's SqsRecordSchema
 * (@aws-lambda-powertools/parser/schemas/sqs), written again with zod/mini. The parser's schemas
 * are classic zod, which would bring all of classic zod into the bundle (shared/zod.ts).
 */
import * as z from '../../zod';

const optionalString = z.nullable(z.optional(z.string()));

export const sqsRecordSchema = z.object({
  messageId: z.string(),
  receiptHandle: z.string(),
  body: z.string(),
  attributes: z.object({
    ApproximateReceiveCount: z.string(),
    ApproximateFirstReceiveTimestamp: z.string(),
    MessageDeduplicationId: z.optional(z.string()),
    MessageGroupId: z.optional(z.string()),
    SenderId: z.string(),
    SentTimestamp: z.string(),
    SequenceNumber: z.optional(z.string()),
    AWSTraceHeader: z.optional(z.string()),
    DeadLetterQueueSourceArn: z.optional(z.string()),
  }),
  messageAttributes: z.record(
    z.string(),
    z.object({
      stringValue: optionalString,
      binaryValue: optionalString,
      stringListValues: z.optional(z.array(z.string())),
      binaryListValues: z.optional(z.array(z.string())),
      dataType: z.union([z.literal('String'), z.literal('Number'), z.literal('Binary'), z.string()]),
    }),
  ),
  md5OfBody: z.string(),
  md5OfMessageAttributes: optionalString,
  eventSource: z.literal('aws:sqs'),
  eventSourceARN: z.string(),
  awsRegion: z.string(),
});
