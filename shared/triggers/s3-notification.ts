/**
 * s3Notification: the wrapper for a function an S3 bucket's notification invokes (asynchronously,
 * so a failure is retried and then goes to the on-failure destination), on the observed-handler
 * core (observed-handler.ts). The event is validated with the Powertools parser's S3 schema first:
 * anything else is a wiring mistake, and failing keeps it where it can be looked at.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html
 */
import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { observedHandler } from './observed-handler';

export type S3Notification = z.infer<typeof S3Schema>;

/** S3 writes keys into notifications URL-encoded, with spaces as '+'. */
export const decodeS3Key = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

export function s3Notification<R>(
  handle: (event: S3Notification, context: Context) => Promise<R>,
): (event: unknown, context: Context) => Promise<R> {
  return observedHandler((event: unknown, context) => handle(S3Schema.parse(event), context));
}
