/**
 * An SNS event as a subscribed function receives it: the Powertools parser's SnsSchema
 * (@aws-lambda-powertools/parser/schemas/sns), written again with zod/mini. The parser's schemas
 * are classic zod, which would bring all of classic zod into the bundle (shared/zod.ts).
 */
import * as z from '../../zod';

export const snsNotificationSchema = z.object({
  Subject: z.nullish(z.string()),
  TopicArn: z.string(),
  UnsubscribeUrl: z.url(),
  UnsubscribeURL: z.optional(z.url()),
  SigningCertUrl: z.optional(z.url()),
  SigningCertURL: z.optional(z.url()),
  Type: z.literal('Notification'),
  MessageAttributes: z.optional(z.record(z.string(), z.object({ Type: z.string(), Value: z.string() }))),
  Message: z.string(),
  MessageId: z.string(),
  Signature: z.optional(z.string()),
  SignatureVersion: z.optional(z.string()),
  Timestamp: z.iso.datetime(),
});

export const snsRecordSchema = z.object({
  EventSource: z.literal('aws:sns'),
  EventVersion: z.string(),
  EventSubscriptionArn: z.string(),
  Sns: snsNotificationSchema,
});

export const snsSchema = z.object({ Records: z.array(snsRecordSchema).check(z.minLength(1)) });
