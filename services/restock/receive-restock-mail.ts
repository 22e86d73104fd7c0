// SES receipt rule (restock@<mail domain>) → restock from a supplier's note. The rule stored the raw
// message in S3 first; this trusts it only when SES's verdicts passed and the sender is allow-listed,
// adds the note's stock in one transaction (once per message), and returns the answer, which Lambda
// hands to answerRestockMail (this function's on-success destination: it is in the VPC, where SES's
// API cannot be reached).
import { catalogProjection } from '../../shared/adapters/catalog-projection';
import { createPool } from '../../shared/adapters/postgres/pool';
import { PostgresRestockStore } from '../../shared/adapters/postgres/restock-store';
import { readStoredMail } from '../../shared/adapters/s3/inbound-mail';
import { restock, restockAnswer, restockNoteOf, type RestockAnswer } from '../../shared/catalog/restock';
import { config } from '../../shared/config';
import { allowList, distrustReason } from '../../shared/mail/sender-trust';
import { logger, metrics, MetricUnit } from '../../shared/observability';
import { sesReceipt } from '../../shared/triggers/ses-receipt';

/** Where the rule's S3 action puts each message (ObjectKeyPrefix in infra/resources/inbound-mail.yml). */
export const restockMailPrefix = 'restock/';

const bucket = config('inboundMailBucket');
const suppliers = allowList(config('restockSuppliers'));
const pool = createPool();
const deps = { restocks: new PostgresRestockStore(pool), ...catalogProjection(pool) };

export interface RestockMailOutcome {
  messageId: string;
  outcome: 'applied' | 'duplicate' | 'distrusted';
  /** What answerRestockMail sends; null: no answer (a duplicate was answered before; a stranger gets none). */
  answer: RestockAnswer | null;
}

export const handler = sesReceipt(async ({ mail, receipt }): Promise<RestockMailOutcome> => {
  const sender = mail.source.toLowerCase();
  const distrust = distrustReason({
    sender,
    allowed: suppliers,
    verdicts: {
      spam: receipt.spamVerdict.status,
      virus: receipt.virusVerdict.status,
      spf: receipt.spfVerdict.status,
      dkim: receipt.dkimVerdict.status,
    },
  });
  if (distrust) {
    // No answer: a reply to a forged or unknown sender would be backscatter.
    logger.warn('Restock mail not trusted; nothing changed', { sender, reason: distrust });
    metrics.addMetric('RestockMailDistrusted', MetricUnit.Count, 1);
    return { messageId: mail.messageId, outcome: 'distrusted', answer: null };
  }
  const raw = await readStoredMail(bucket, `${restockMailPrefix}${mail.messageId}`);
  const result = await restock(deps, { messageId: mail.messageId, supplier: sender, note: restockNoteOf(raw) });
  logger.info('Restock note received', {
    sender,
    duplicate: result.duplicate,
    applied: result.applied.length,
    refused: result.refused.length,
  });
  if (result.duplicate) return { messageId: mail.messageId, outcome: 'duplicate', answer: null };
  metrics.addMetric('RestockLinesApplied', MetricUnit.Count, result.applied.length);
  metrics.addMetric('RestockLinesRefused', MetricUnit.Count, result.refused.length);
  return {
    messageId: mail.messageId,
    outcome: 'applied',
    answer: restockAnswer(result, mail.commonHeaders.subject ?? 'Your restock note'),
  };
});
