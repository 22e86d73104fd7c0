/**
 * scheduled: the wrapper for a function an EventBridge schedule invokes (the `schedule` event in
 * functions.yml), on the observed-handler core (observed-handler.ts). The event is validated with
 * the Powertools parser's EventBridge schema: only the schedule invokes such a function, so
 * anything else is a wiring mistake, not work to do.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html
 */
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { observedHandler } from './observed-handler';

export type ScheduledEvent = z.infer<typeof EventBridgeSchema>;

export function scheduled<R>(
  handle: (event: ScheduledEvent, context: Context) => Promise<R>,
): (event: unknown, context: Context) => Promise<R> {
  return observedHandler((event: unknown, context) => handle(EventBridgeSchema.parse(event), context));
}
