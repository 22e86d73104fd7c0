/**
 * What Shelf adds to a user pool token before Cognito signs it (pre token generation, V2 event):
 *   - `cognito:groups` narrowed to the roles the API knows (admin, shopper), so a group made for
 *     something else never reads as a role by accident;
 *   - `customer_id`, for a shopper: the key of their customer row and of their orders
 *     (shared/auth/caller.ts reads it). Admins are no customers and get none.
 * The same claims go into the ID token (the web app sends it to the API) and the access token.
 */
import { roles, type Role } from '../auth/caller';

export interface TokenClaims {
  /** The groups the token's `cognito:groups` will hold. */
  groups: Role[];
  claims: Record<string, string>;
}

export function tokenClaims(user: { sub: string; groups: readonly string[] }): TokenClaims {
  const known = roles.filter((role) => user.groups.includes(role));
  return {
    groups: known,
    claims: known.includes('shopper') ? { customer_id: user.sub } : {},
  };
}
