/**
 * An S3 event notification as a function receives it: the Powertools parser's S3Schema
 * (@aws-lambda-powertools/parser/schemas/s3), written again with zod/mini. The parser's schemas
 * are classic zod, which would bring all of classic zod into the bundle (shared/zod.ts).
 */
import * as z from '../../zod';

const s3Identity = z.object({ principalId: z.string() });

const s3RecordSchema = z.object({
  eventVersion: z.string(),
  eventSource: z.literal('aws:s3'),
  awsRegion: z.string(),
  eventTime: z.iso.datetime(),
  eventName: z.string(),
  userIdentity: s3Identity,
  requestParameters: z.object({ sourceIPAddress: z.union([z.ipv4(), z.literal('s3.amazonaws.com')]) }),
  responseElements: z.object({ 'x-amz-request-id': z.string(), 'x-amz-id-2': z.string() }),
  s3: z.object({
    s3SchemaVersion: z.string(),
    configurationId: z.string(),
    object: z.object({
      key: z.string(),
      size: z.optional(z.number()),
      urlDecodedKey: z.optional(z.string()),
      eTag: z.optional(z.string()),
      // Only in PUT and DELETE events.
      sequencer: z.optional(z.string()),
      versionId: z.optional(z.string()),
    }),
    bucket: z.object({ name: z.string(), ownerIdentity: s3Identity, arn: z.string() }),
  }),
  glacierEventData: z.optional(
    z.object({
      restoreEventData: z.object({
        lifecycleRestorationExpiryTime: z.string(),
        lifecycleRestoreStorageClass: z.string(),
      }),
    }),
  ),
});

export const s3Schema = z.object({ Records: z.array(s3RecordSchema).check(z.minLength(1)) });
