/**
 * A shop customer: the PostgreSQL row every shopper gets when their sign-up is confirmed. Its id
 * is the Cognito user's `sub`, the same id the API files the shopper's orders under (the JWT's
 * `customer_id` claim, shared/auth/caller.ts), so orders and customer need no second mapping.
 */
import * as z from '../zod';

export const customerSchema = z.strictObject({
  // Cognito's subs are UUIDs; the same bound as any caller id (shared/auth/caller.ts).
  customerId: z.uuid(),
  email: z.email().check(z.maxLength(254)),
});

export type Customer = z.infer<typeof customerSchema>;
