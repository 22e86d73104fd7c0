/**
 * cognitoTrigger: the wrapper for a function a Cognito user pool invokes as a trigger, on the
 * observed-handler core (observed-handler.ts). Cognito invokes synchronously, waits (5 s at most)
 * and reads the event back with the `response` the function filled in; when the function throws,
 * Cognito stops the operation (a sign-up, a sign-in) and shows the user the error's message:
 * "PreSignUp failed with error <message>.". So:
 *   - the event is validated with the trigger's schema; a malformed one is refused with a message
 *     naming the field, and nothing is written;
 *   - a DomainError's message is the user's answer (the domain words it for them);
 *   - any other error is logged in full and replaced by a message that names no internals.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html
 *
 * The Powertools parser's Cognito schemas are stricter than AWS's own sample events (its pre
 * sign-up schema takes only `false` flags in the response, the samples have `true`), so the
 * schemas are written here from the developer guide's event syntax.
 */
import type { Context } from 'aws-lambda';
import * as z from '../zod';
import { DomainError } from '../errors';
import { logger } from '../observability';
import { observedHandler } from './observed-handler';

const attributes = z.record(z.string(), z.string());

/** The fields every user pool trigger event shares. */
const triggerBase = z.object({
  version: z.string(),
  region: z.string(),
  userPoolId: z.string().check(z.minLength(1)),
  userName: z.string().check(z.minLength(1)),
  callerContext: z.object({ awsSdkVersion: z.string(), clientId: z.string() }),
});

/** Pre sign-up: self sign-up, an admin's AdminCreateUser, or a federated first sign-in. */
export const preSignUpEvent = z.extend(triggerBase, {
  triggerSource: z.enum(['PreSignUp_SignUp', 'PreSignUp_AdminCreateUser', 'PreSignUp_ExternalProvider']),
  request: z.object({
    userAttributes: attributes,
    validationData: z.nullish(attributes),
    clientMetadata: z.optional(attributes),
  }),
  response: z.object({
    autoConfirmUser: z.optional(z.boolean()),
    autoVerifyEmail: z.optional(z.boolean()),
    autoVerifyPhone: z.optional(z.boolean()),
  }),
});

/** Post confirmation: a sign-up confirmed with its code, or a forgotten password reset. */
export const postConfirmationEvent = z.extend(triggerBase, {
  triggerSource: z.enum(['PostConfirmation_ConfirmSignUp', 'PostConfirmation_ConfirmForgotPassword']),
  request: z.object({ userAttributes: attributes, clientMetadata: z.optional(attributes) }),
  response: z.object({}),
});

/**
 * Pre token generation, event version 2 (LambdaVersion V2_0): one request for the ID and access
 * tokens. A V1 event (version "1") has no access token part, so it is refused, not half-served.
 */
export const preTokenGenerationV2Event = z.extend(triggerBase, {
  version: z.literal('2', { error: 'must be "2": set the trigger to LambdaVersion V2_0' }),
  triggerSource: z.enum([
    'TokenGeneration_HostedAuth',
    'TokenGeneration_Authentication',
    'TokenGeneration_NewPasswordChallenge',
    'TokenGeneration_AuthenticateDevice',
    'TokenGeneration_RefreshTokens',
  ]),
  request: z.object({
    userAttributes: attributes,
    groupConfiguration: z.object({
      groupsToOverride: z._default(z.array(z.string()), []),
      iamRolesToOverride: z._default(z.array(z.string()), []),
      preferredRole: z.nullish(z.string()),
    }),
    scopes: z.optional(z.array(z.string())),
    clientMetadata: z.optional(attributes),
  }),
  response: z.looseObject({}),
});

/** The part of a V2 response Shelf fills in (the developer guide's claimsAndScopeOverrideDetails). */
export interface PreTokenGenerationV2Response {
  claimsAndScopeOverrideDetails: {
    idTokenGeneration?: { claimsToAddOrOverride?: Record<string, unknown>; claimsToSuppress?: string[] };
    accessTokenGeneration?: {
      claimsToAddOrOverride?: Record<string, unknown>;
      claimsToSuppress?: string[];
      scopesToAdd?: string[];
      scopesToSuppress?: string[];
    };
    groupOverrideDetails?: { groupsToOverride?: string[]; iamRolesToOverride?: string[]; preferredRole?: string };
  };
}

/** An event that is well-formed JSON but lacks what the trigger needs (a handler's own check). */
export class InvalidTriggerEventError extends Error {
  constructor(problem: string) {
    super(`Invalid trigger event: ${problem}`);
  }
}

/** What the user reads when something failed that is not theirs to fix. */
export const internalFailureMessage = 'Something went wrong on our side; please try again in a minute';

function describe(error: z.core.$ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`).join('; ');
}

export function cognitoTrigger<S extends z.core.$ZodType<{ response: object }>, R extends object>(
  schema: S,
  handle: (event: z.infer<S>, context: Context) => R | Promise<R>,
): (event: unknown, context: Context) => Promise<unknown> {
  return observedHandler(async (event: unknown, context) => {
    const parsed = z.safeParse(schema, event);
    if (!parsed.success) {
      const refusal = new InvalidTriggerEventError(describe(parsed.error));
      logger.error(refusal.message);
      throw refusal;
    }
    const source = (parsed.data as { triggerSource?: string }).triggerSource;
    logger.appendKeys({ triggerSource: source });
    try {
      const response = await handle(parsed.data, context);
      // Cognito reads the event it sent back, with the response filled in.
      return { ...(event as object), response };
    } catch (error) {
      if (error instanceof InvalidTriggerEventError) {
        logger.error(error.message);
        throw error;
      }
      if (error instanceof DomainError) {
        logger.info('Trigger refused the operation', { code: error.code, reason: error.message });
        throw new Error(error.message, { cause: error });
      }
      logger.error('Trigger failed', { error });
      throw new Error(internalFailureMessage, { cause: error });
    }
  });
}
