/**
 * sesReceipt: the wrapper for a function an SES receipt rule's Lambda action invokes (InvocationType
 * Event: asynchronously, so a failure is retried and then goes to the on-failure destination), on
 * the observed-handler core (observed-handler.ts). The event is validated with the Powertools
 * parser's SES schema (its zod/mini copy, schemas/ses.ts); SES sends one message per invocation,
 * without its body (an S3 action before the Lambda action stores that).
 * https://docs.aws.amazon.com/ses/latest/dg/receiving-email-action-lambda.html
 */
import type { Context } from 'aws-lambda';
import * as z from '../zod';
import { logger } from '../observability';
import { observedHandler } from './observed-handler';
import { sesRecordSchema } from './schemas/ses';

const sesEventSchema = z.object({
  Records: z.array(sesRecordSchema).check(z.length(1, 'SES sends one message per invocation')),
});

export type SesReceiptRecord = z.infer<typeof sesEventSchema>['Records'][number]['ses'];

export function sesReceipt<R>(
  handle: (record: SesReceiptRecord, context: Context) => Promise<R>,
): (event: unknown, context: Context) => Promise<R> {
  return observedHandler(async (event: unknown, context) => {
    const received = sesEventSchema.parse(event).Records[0]!.ses;
    logger.appendKeys({ sesMessageId: received.mail.messageId });
    return handle(received, context);
  });
}
