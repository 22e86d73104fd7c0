/**
 * A Kinesis Data Streams record as an event source mapping sends it: the Powertools parser's
 * KinesisDataStreamRecord (@aws-lambda-powertools/parser/schemas/kinesis), written again with
 * zod/mini, with its data left as Kinesis sent it (base64; the parser's decodes it as JSON). The
 * parser's schemas are classic zod, which would bring all of classic zod into the bundle
 * (shared/zod.ts).
 */
import * as z from '../../zod';

export const kinesisDataStreamRecordSchema = z.object({
  eventSource: z.literal('aws:kinesis'),
  eventVersion: z.string(),
  eventID: z.string(),
  eventName: z.literal('aws:kinesis:record'),
  awsRegion: z.string(),
  invokeIdentityArn: z.string(),
  eventSourceARN: z.string(),
  kinesis: z.object({
    kinesisSchemaVersion: z.string(),
    partitionKey: z.string(),
    sequenceNumber: z.string(),
    approximateArrivalTimestamp: z.number(),
    data: z.string(),
  }),
});

/** The fields of a Kinesis event beside its records (a tumbling window's among them). */
export const kinesisDataStreamEventFields = {
  window: z.optional(z.object({ start: z.iso.datetime(), end: z.iso.datetime() })),
  state: z.optional(z.record(z.string(), z.unknown())),
  shardId: z.optional(z.string()),
  eventSourceARN: z.optional(z.string()),
  isFinalInvokeForWindow: z.optional(z.boolean()),
  isWindowTerminatedEarly: z.optional(z.boolean()),
};
