/**
 * A CloudFormation custom resource request: the Powertools parser's Create, Update and Delete
 * schemas (@aws-lambda-powertools/parser/schemas/cloudformation-custom-resource), written again
 * with zod/mini. The parser's schemas are classic zod, which would bring all of classic zod into
 * the bundle (shared/zod.ts).
 */
import * as z from '../../zod';

const base = {
  ServiceToken: z.string(),
  ResponseURL: z.url(),
  StackId: z.string(),
  RequestId: z.string(),
  LogicalResourceId: z.string(),
  ResourceType: z.string(),
  ResourceProperties: z.record(z.string(), z.any()),
};

export const customResourceCreateSchema = z.object({ ...base, RequestType: z.literal('Create') });
export const customResourceDeleteSchema = z.object({ ...base, RequestType: z.literal('Delete') });
export const customResourceUpdateSchema = z.object({
  ...base,
  RequestType: z.literal('Update'),
  OldResourceProperties: z.record(z.string(), z.any()),
});
