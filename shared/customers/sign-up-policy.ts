/**
 * Who may sign themselves up as a shopper (the user pool's pre sign-up trigger asks): a
 * well-formed address, not at a throw-away mail service, and not one sign-up too many from its
 * domain this hour. A bot that registers thousands of accounts has to spread them over many
 * domains; a person signing up never notices. Counters live in DynamoDB and expire with their
 * window (the clickstream's rate-limit store, shared/adapters/dynamodb/rate-limit-store.ts).
 *
 * A refusal is a SignUpRefusedError whose message Cognito shows the person signing up, as
 * "PreSignUp failed with error <message>.", so it says what to do and names no internals.
 */
import * as z from '../zod';
import { DomainError } from '../errors';
import type { RateLimitStore } from '../clickstream/clickstream-ports';
import { disposableDomains } from './disposable-domains';

export class SignUpRefusedError extends DomainError {
  readonly code = 'SIGN_UP_REFUSED';
}

export interface SignUpPolicy {
  /** Sign-ups accepted per e-mail domain per window. */
  perDomainLimit: number;
  windowSeconds: number;
}

export interface SignUpRequest {
  email: string | undefined;
  now: Date;
}

// SES refuses longer addresses, and the order confirmation goes to this one.
const emailSchema = z.email().check(z.maxLength(254));

/** The domain and each parent below the public suffix: mail.yopmail.com → yopmail.com. */
function domainAndParents(domain: string): string[] {
  const labels = domain.split('.');
  return labels.slice(0, -1).map((_, i) => labels.slice(i).join('.'));
}

/** The address's domain, lower case, if the address is one Shelf can mail. */
export function signUpDomain(email: string | undefined): string {
  const parsed = emailSchema.safeParse(email ?? '');
  if (!parsed.success) throw new SignUpRefusedError('Enter a valid e-mail address');
  return parsed.data.slice(parsed.data.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * Checks a self sign-up and counts it against its domain, or throws SignUpRefusedError. The
 * address checks come first, so a refused address takes nothing from its domain's allowance.
 */
export async function checkSignUp(store: RateLimitStore, policy: SignUpPolicy, request: SignUpRequest): Promise<void> {
  const domain = signUpDomain(request.email);
  if (domainAndParents(domain).some((candidate) => disposableDomains.has(candidate))) {
    throw new SignUpRefusedError('Addresses at disposable mail services cannot sign up; use a permanent address');
  }
  const nowSeconds = Math.floor(request.now.getTime() / 1000);
  const windowStart = nowSeconds - (nowSeconds % policy.windowSeconds);
  const windowEnd = windowStart + policy.windowSeconds;
  // Kept one window longer than it counts: DynamoDB deletes expired items late, never early.
  const allowed = await store.consume(
    `${domain}#${windowStart}`,
    1,
    policy.perDomainLimit,
    windowEnd + policy.windowSeconds,
  );
  if (!allowed) {
    throw new SignUpRefusedError(`Too many sign-ups from ${domain} just now; try again in an hour`);
  }
}
