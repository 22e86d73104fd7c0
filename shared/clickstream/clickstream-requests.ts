/** The query of GET /reports/trending. */
import * as z from 'zod';

export const trendingQuery = z.strictObject({
  /** How far back: 1 minute to 24 hours (the aggregates are kept two days). */
  minutes: z.coerce.number().int().min(1).max(1440).default(60),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});
