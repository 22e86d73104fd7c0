/**
 * s3Notification: the wrapper for a function an S3 bucket's notification invokes (asynchronously,
 * so a failure is retried and then goes to the on-failure destination), on the observed-handler
 * core (observed-handler.ts). The event is validated with the Powertools parser's S3 schema first
 * (its zod/mini copy, schemas/s3.ts): anything else is a wiring mistake, and failing keeps it where
 * it can be looked at.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html
 */
import type { Context } from 'aws-lambda';
import type * as z from '../zod';
import { observedHandler } from './observed-handler';
import { s3Schema } from './schemas/s3';

export type S3Notification = z.infer<typeof s3Schema>;

/** S3 writes keys into notifications URL-encoded, with spaces as '+'. */
export const decodeS3Key = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

export function s3Notification<R>(
  handle: (event: S3Notification, context: Context) => Promise<R>,
): (event: unknown, context: Context) => Promise<R> {
  return observedHandler((event: unknown, context) => handle(s3Schema.parse(event), context));
}
