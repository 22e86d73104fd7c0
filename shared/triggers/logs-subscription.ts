/**
 * logsSubscription: the wrapper for a function a CloudWatch Logs subscription filter invokes
 * (asynchronously: a failure is retried, then goes to the on-failure destination), on the
 * observed-handler core (observed-handler.ts). CloudWatch Logs sends `{ awslogs: { data } }`, the
 * data being base64 of the gzipped JSON of a batch of one log stream's events; the wrapper
 * decodes it and validates it with the Powertools parser's schema (its zod/mini copy,
 * schemas/cloudwatch-logs.ts), and refuses anything else with
 * an error saying which step failed (there is nothing to retry in a malformed event: it ends in
 * the on-failure destination, where it can be looked at). CloudWatch Logs' CONTROL_MESSAGE, sent
 * when a filter is created to check that the destination can be reached, carries no log events
 * of the group and is answered without calling the handler.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-cloudwatchlogs.html
 */
import { gunzipSync } from 'node:zlib';
import type { Context } from 'aws-lambda';
import * as z from '../zod';
import { logger } from '../observability';
import { observedHandler } from './observed-handler';
import { cloudWatchLogsDecodeSchema } from './schemas/cloudwatch-logs';

export type LogsSubscriptionData = z.infer<typeof cloudWatchLogsDecodeSchema>;

export class InvalidLogsEventError extends Error {
  override readonly name = 'InvalidLogsEventError';
}

const envelope = z.object({ awslogs: z.object({ data: z.base64().check(z.minLength(1)) }) });

/** The batch a CloudWatch Logs event carries, or an InvalidLogsEventError naming what is wrong. */
export function decodeLogsEvent(event: unknown): LogsSubscriptionData {
  const wrapped = envelope.safeParse(event);
  if (!wrapped.success) {
    throw new InvalidLogsEventError(`Not a CloudWatch Logs event: ${z.prettifyError(wrapped.error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(Buffer.from(wrapped.data.awslogs.data, 'base64')).toString('utf8'));
  } catch (error) {
    throw new InvalidLogsEventError(`awslogs.data is not gzipped JSON: ${(error as Error).message}`);
  }
  const data = cloudWatchLogsDecodeSchema.safeParse(json);
  if (!data.success) {
    throw new InvalidLogsEventError(`awslogs.data is not a batch of log events: ${z.prettifyError(data.error)}`);
  }
  return data.data;
}

export function logsSubscription<R>(
  handle: (data: LogsSubscriptionData, context: Context) => Promise<R>,
): (event: unknown, context: Context) => Promise<R | undefined> {
  return observedHandler(async (event: unknown, context) => {
    const data = decodeLogsEvent(event);
    if (data.messageType === 'CONTROL_MESSAGE') {
      logger.info('CloudWatch Logs control message: the subscription reaches this function', {
        subscriptionFilters: data.subscriptionFilters,
      });
      return undefined;
    }
    logger.appendKeys({ logGroup: data.logGroup, logStream: data.logStream });
    return handle(data, context);
  });
}
