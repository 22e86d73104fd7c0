/**
 * scheduled: the wrapper for a function an EventBridge schedule invokes (the `schedule` event in
 * functions.yml), on the observed-handler core (observed-handler.ts). The event is validated with
 * the Powertools parser's EventBridge schema (its zod/mini copy, schemas/eventbridge.ts): only the schedule invokes such a function, so
 * anything else is a wiring mistake, not work to do, refused with what is wrong in the message
 * (which is all `npm run invoke` and Lambda's error record show).
 * https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html
 */
import type { Context } from 'aws-lambda';
import * as z from '../zod';
import { observedHandler } from './observed-handler';
import { eventBridgeSchema } from './schemas/eventbridge';

export type ScheduledEvent = z.infer<typeof eventBridgeSchema>;

export class InvalidScheduledEventError extends Error {
  override readonly name = 'InvalidScheduledEventError';
}

export function scheduled<R>(
  handle: (event: ScheduledEvent, context: Context) => Promise<R>,
): (event: unknown, context: Context) => Promise<R> {
  return observedHandler((event: unknown, context) => {
    const parsed = eventBridgeSchema.safeParse(event);
    if (!parsed.success) {
      throw new InvalidScheduledEventError(`Not an EventBridge scheduled event: ${z.prettifyError(parsed.error)}`);
    }
    return handle(parsed.data, context);
  });
}
