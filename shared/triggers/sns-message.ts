/**
 * snsMessage: the wrapper for a function an SNS subscription invokes, on the observed-handler core
 * (observed-handler.ts). SNS invokes it asynchronously, so the function's retries, maximum event
 * age and on-failure destination decide what happens to a message it fails on
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html). The event is validated with the
 * Powertools parser's SNS schema (its zod/mini copy, schemas/sns.ts); SNS sends one record an invocation, whose Message is read as JSON
 * and validated with the function's schema. A message that does not fit is refused with an error
 * naming its fields, so after the retries it reaches the on-failure destination with that reason,
 * never dropped unseen.
 */
import type { Context } from 'aws-lambda';
import * as z from '../zod';
import { logger } from '../observability';
import { observedHandler } from './observed-handler';
import { snsNotificationSchema, snsRecordSchema, snsSchema } from './schemas/sns';

// The Powertools schema, loosened only where AWS's own sample event has placeholders ("EXAMPLE"
// for the signing certificate and unsubscribe URLs); the shop reads neither.
const snsEventSchema = z.extend(snsSchema, {
  Records: z.array(
    z.extend(snsRecordSchema, {
      Sns: z.extend(snsNotificationSchema, { SigningCertUrl: z.string(), UnsubscribeUrl: z.string() }),
    }),
  ),
});

export class UnreadableMessageError extends Error {
  override readonly name = 'UnreadableMessageError';
}

export interface SnsDelivery {
  messageId: string;
  topicArn: string;
}

function problems(error: z.core.$ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`).join('; ');
}

export function snsMessage<S extends z.core.$ZodType, R>(
  schema: S,
  handle: (message: z.output<S>, delivery: SnsDelivery, context: Context) => Promise<R>,
): (event: unknown, context: Context) => Promise<R[]> {
  return observedHandler(async (event: unknown, context) => {
    const parsed = snsEventSchema.safeParse(event);
    if (!parsed.success) throw new UnreadableMessageError(`Not an SNS event: ${problems(parsed.error)}`);
    const results: R[] = [];
    for (const { Sns: sns } of parsed.data.Records) {
      const delivery = { messageId: sns.MessageId, topicArn: sns.TopicArn };
      logger.appendKeys({ snsMessageId: sns.MessageId });
      let body: unknown;
      try {
        body = JSON.parse(sns.Message);
      } catch {
        throw new UnreadableMessageError(`SNS message ${sns.MessageId} is not JSON`);
      }
      const message = z.safeParse(schema, body);
      if (!message.success) {
        throw new UnreadableMessageError(`SNS message ${sns.MessageId} refused: ${problems(message.error)}`);
      }
      results.push(await handle(message.data, delivery, context));
    }
    return results;
  });
}
