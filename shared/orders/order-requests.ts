/** Path, query and header parameters of the order routes. */
import * as z from 'zod';

export const orderIdPath = z.object({ orderId: z.uuid({ message: 'must be an order id (a UUID)' }) });

export const myOrdersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(100).optional(),
});

/** The Idempotency-Key header (IETF draft): a client-chosen token, reused on retries. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 visible ASCII characters')
  .optional();
