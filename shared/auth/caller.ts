/**
 * Who is calling, as the JWT authorizer saw them. API Gateway hands claims to Lambda as strings
 * (`cognito:groups` arrives as "[admin shopper]"), serverless-offline as decoded JSON (an array):
 * this is the one place that reads either.
 */
import * as z from '../zod';
import { unsafeTextProblem } from '../safe-text';

/** What the order confirmation may be sent to: a well-formed address SES accepts (at most 254). */
const emailSchema = z.email().check(z.maxLength(254));

export const roles = ['admin', 'shopper'] as const;
export type Role = (typeof roles)[number];

export interface Caller {
  id: string;
  roles: Role[];
  /** The token's e-mail claim, when the issuer verified it (Cognito's ID tokens carry it). */
  email?: string;
}

type Claims = Record<string, unknown>;

function groupsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') {
    return value
      .replace(/^\[|\]$/g, '')
      .split(/[\s,]+/)
      .filter(Boolean);
  }
  return [];
}

export function callerFromClaims(claims: Claims | undefined): Caller | undefined {
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub === '') return undefined;
  const groups = groupsOf(claims?.['cognito:groups']);
  // API Gateway hands the boolean over as the string "true".
  const verified = claims?.email_verified === true || claims?.email_verified === 'true';
  const email = verified ? emailSchema.safeParse(claims?.email) : undefined;
  // A shopper's token carries the customer id the pre token generation trigger added
  // (shared/customers/token-claims.ts): their customer row's key, which is their sub.
  const customerId = typeof claims?.customer_id === 'string' && claims.customer_id !== '' ? claims.customer_id : sub;
  return {
    id: customerId,
    roles: roles.filter((role) => groups.includes(role)),
    ...(email?.success ? { email: email.data } : {}),
  };
}

/**
 * Why a caller id cannot be stored as an order's owner (PostgreSQL text, DynamoDB keys), or
 * undefined. Cognito's are UUIDs; any issuer's are checked the same way before they are used.
 */
export function callerIdProblem(id: string): string | undefined {
  if (id.length > 255) return 'is longer than 255 characters';
  return unsafeTextProblem(id);
}
