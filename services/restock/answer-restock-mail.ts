// On-success destination of receiveRestockMail: mails the supplier what their note added and what it
// refused. Outside the VPC, so SES's API is reachable; it touches no database.
import * as z from '../../shared/zod';
import { sendTextMail } from '../../shared/adapters/ses/text-mail';
import { restockAnswerSchema } from '../../shared/catalog/restock';
import { config } from '../../shared/config';
import { logger } from '../../shared/observability';
import { destinationRecord } from '../../shared/triggers/destination-record';

const from = config('restockMailAddress');

const outcome = z.object({ messageId: z.string(), answer: z.nullable(restockAnswerSchema) });

export const handler = destinationRecord(outcome, async ({ responsePayload: { messageId, answer } }) => {
  if (!answer) return { messageId, sent: false };
  const sentId = await sendTextMail({ from, ...answer });
  logger.info('Restock note answered', { messageId, to: answer.to, sentId });
  return { messageId, sent: true };
});
