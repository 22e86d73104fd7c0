/**
 * The batch a CloudWatch Logs subscription sends, once its data is decoded (base64, gunzip, JSON):
 * the Powertools parser's CloudWatchLogsDecodeSchema
 * (@aws-lambda-powertools/parser/schemas/cloudwatch), written again with zod/mini. The parser's
 * schemas are classic zod, which would bring all of classic zod into the bundle (shared/zod.ts).
 */
import * as z from '../../zod';

export const cloudWatchLogsDecodeSchema = z.object({
  messageType: z.string(),
  owner: z.string(),
  logGroup: z.string(),
  logStream: z.string(),
  subscriptionFilters: z.array(z.string()),
  logEvents: z.array(z.object({ id: z.string(), timestamp: z.number(), message: z.string() })).check(z.minLength(1)),
});
