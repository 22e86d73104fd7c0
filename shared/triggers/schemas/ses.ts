/**
 * A record of an SES receipt rule's Lambda action: the Powertools parser's SesRecordSchema
 * (@aws-lambda-powertools/parser/schemas/ses), written again with zod/mini. The parser's schemas
 * are classic zod, which would bring all of classic zod into the bundle (shared/zod.ts).
 * One difference, marked below: SES reports only the headers a message has, so one without a
 * Subject, Date or Message-ID comes with no such common header (the parser's schema requires
 * them), and the function decides what it lacks.
 */
import * as z from '../../zod';

const verdict = z.object({ status: z.enum(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED']) });
const strings = z.array(z.string());

export const sesRecordSchema = z.object({
  eventSource: z.literal('aws:ses'),
  eventVersion: z.string(),
  ses: z.object({
    mail: z.object({
      timestamp: z.iso.datetime(),
      source: z.string(),
      messageId: z.string(),
      destination: strings,
      headersTruncated: z.boolean(),
      headers: z.array(z.object({ name: z.string(), value: z.string() })),
      commonHeaders: z.object({
        from: strings,
        // Optional here, required by the parser's schema: to, returnPath, messageId, date, subject.
        to: z.optional(strings),
        cc: z.optional(strings),
        bcc: z.optional(strings),
        sender: z.optional(strings),
        'reply-to': z.optional(strings),
        returnPath: z.optional(z.string()),
        messageId: z.optional(z.string()),
        date: z.optional(z.string()),
        subject: z.optional(z.string()),
      }),
    }),
    receipt: z.object({
      timestamp: z.iso.datetime(),
      processingTimeMillis: z.number().check(z.int(), z.positive()),
      recipients: strings,
      spamVerdict: verdict,
      virusVerdict: verdict,
      spfVerdict: verdict,
      dmarcVerdict: verdict,
      dkimVerdict: verdict,
      dmarcPolicy: z.enum(['none', 'quarantine', 'reject']),
      action: z.object({ type: z.enum(['Lambda']), invocationType: z.literal('Event'), functionArn: z.string() }),
    }),
  }),
});
