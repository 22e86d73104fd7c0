/**
 * A request an Application Load Balancer sends its Lambda target: the Powertools parser's
 * AlbSchema (@aws-lambda-powertools/parser/schemas/alb), written again with zod/mini. The parser's
 * schemas are classic zod, which would bring all of classic zod into the bundle (shared/zod.ts).
 */
import * as z from '../../zod';

const stringRecord = z.record(z.string(), z.string());
const stringsRecord = z.record(z.string(), z.array(z.string()));

export const albSchema = z.object({
  httpMethod: z.string(),
  path: z.string(),
  body: z.string(),
  isBase64Encoded: z.boolean(),
  headers: z.optional(stringRecord),
  multiValueHeaders: z.optional(stringsRecord),
  queryStringParameters: z.optional(stringRecord),
  multiValueQueryStringParameters: z.optional(stringsRecord),
  requestContext: z.object({ elb: z.object({ targetGroupArn: z.string() }) }),
});
