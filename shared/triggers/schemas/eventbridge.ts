/**
 * An EventBridge event as a target receives it: the Powertools parser's EventBridgeSchema
 * (@aws-lambda-powertools/parser/schemas/eventbridge), written again with zod/mini. The parser's
 * schemas are classic zod, which would bring all of classic zod into the bundle (shared/zod.ts).
 */
import * as z from '../../zod';

export const eventBridgeSchema = z.object({
  version: z.string(),
  id: z.string(),
  source: z.string(),
  account: z.string(),
  time: z.iso.datetime(),
  region: z.string(),
  resources: z.array(z.string()),
  'detail-type': z.string(),
  detail: z.unknown(),
  'replay-name': z.optional(z.string()),
});
