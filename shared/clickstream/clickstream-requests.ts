/** The query of GET /reports/trending. */
import * as z from '../zod';

export const trendingQuery = z.strictObject({
  /** How far back: 1 minute to 24 hours (the aggregates are kept two days). */
  minutes: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1440)), 60),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(50)), 10),
});
