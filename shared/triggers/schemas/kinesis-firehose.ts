/**
 * A Firehose data transformation event: the Powertools parser's KinesisFirehoseSchema
 * (@aws-lambda-powertools/parser/schemas/kinesis-firehose), written again with zod/mini, with each
 * record's data left as Firehose sent it (base64; the parser's decodes it, so one record that is
 * not base64 would fail the whole batch). The parser's schemas are classic zod, which would bring
 * all of classic zod into the bundle (shared/zod.ts).
 */
import * as z from '../../zod';

const positive = z.number().check(z.positive());

export const kinesisFirehoseSchema = z.object({
  invocationId: z.string(),
  deliveryStreamArn: z.string(),
  region: z.string(),
  sourceKinesisStreamArn: z.optional(z.string()),
  records: z
    .array(
      z.object({
        recordId: z.string(),
        approximateArrivalTimestamp: positive,
        kinesisRecordMetadata: z.nullish(
          z.object({
            shardId: z.string(),
            partitionKey: z.string(),
            approximateArrivalTimestamp: positive,
            sequenceNumber: z.string(),
            subsequenceNumber: z.number(),
          }),
        ),
        data: z.string(),
      }),
    )
    .check(z.minLength(1)),
});
