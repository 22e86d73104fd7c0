/** What callers may send: a report's day, on the API's path and in a schedule's event. */
import * as z from '../zod';
import { InvalidInputError } from '../errors';

/** A calendar day, YYYY-MM-DD, that exists (2026-02-30 does not). */
export const reportDateSchema = z.iso.date({ error: 'must be a day as YYYY-MM-DD' });

/** GET /reports/{date}. */
export const reportDatePath = z.object({ date: reportDateSchema });

/**
 * A schedule sends `detail: {}`; a rerun or a backfill names its day in the same event
 * (`detail.date`), so that one function and one event shape cover both. Undefined: none named.
 */
export function requestedReportDate(detail: unknown): string | undefined {
  const parsed = z.object({ date: z.optional(reportDateSchema) }).safeParse(detail ?? {});
  if (parsed.success) return parsed.data.date;
  throw new InvalidInputError(
    'The event does not name a day to report',
    parsed.error.issues.map((issue) => ({
      field: ['detail', ...issue.path.map(String)].join('.'),
      message: issue.message,
    })),
  );
}
