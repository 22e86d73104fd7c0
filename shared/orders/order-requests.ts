/** Path, query and header parameters of the order routes. */
import * as z from '../zod';

export const orderIdPath = z.object({ orderId: z.uuid({ message: 'must be an order id (a UUID)' }) });

export const myOrdersQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.maxLength(100))),
});

/** The Idempotency-Key header (IETF draft): a client-chosen token, reused on retries. */
export const idempotencyKeySchema = z.optional(
  z.string().check(z.regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 visible ASCII characters')),
);
