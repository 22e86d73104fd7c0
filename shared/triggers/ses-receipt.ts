/**
 * sesReceipt: the wrapper for a function an SES receipt rule's Lambda action invokes (InvocationType
 * Event: asynchronously, so a failure is retried and then goes to the on-failure destination), on
 * the observed-handler core (observed-handler.ts). The event is validated with the Powertools
 * parser's SES schema; SES sends one message per invocation, without its body (an S3 action before
 * the Lambda action stores that). https://docs.aws.amazon.com/ses/latest/dg/receiving-email-action-lambda.html
 */
import { SesSchema } from '@aws-lambda-powertools/parser/schemas/ses';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { logger } from '../observability';
import { observedHandler } from './observed-handler';

export type SesReceiptRecord = z.infer<typeof SesSchema>['Records'][number]['ses'];

export function sesReceipt<R>(
  handle: (record: SesReceiptRecord, context: Context) => Promise<R>,
): (event: unknown, context: Context) => Promise<R> {
  return observedHandler(async (event: unknown, context) => {
    const { Records } = SesSchema.parse(event);
    if (Records.length !== 1) throw new Error(`SES sends one message per invocation, not ${Records.length}`);
    const record = Records[0]!.ses;
    logger.appendKeys({ sesMessageId: record.mail.messageId });
    return handle(record, context);
  });
}
