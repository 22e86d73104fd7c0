// Cognito pre sign-up trigger: a self sign-up passes the sign-up policy (address, disposable
// domains, per-domain rate) or is refused with Cognito's "PreSignUp failed with error ...".
// services/accounts/functions.yml.
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { DynamoDbRateLimitStore } from '../../shared/adapters/dynamodb/rate-limit-store';
import { config } from '../../shared/config';
import { checkSignUp, SignUpRefusedError, type SignUpPolicy } from '../../shared/customers/sign-up-policy';
import { cognitoTrigger, preSignUpEvent } from '../../shared/triggers/cognito-trigger';

const policy: SignUpPolicy = { perDomainLimit: Number(config('signUpsPerDomainPerHour')), windowSeconds: 3600 };
if (!Number.isInteger(policy.perDomainLimit) || policy.perDomainLimit < 1) {
  throw new Error('SIGN_UPS_PER_DOMAIN_PER_HOUR must be a whole number of at least 1');
}
const rateLimits = new DynamoDbRateLimitStore(documentClient, config('signUpRateLimitsTable'));

export const handler = cognitoTrigger(preSignUpEvent, async ({ triggerSource, request, response }) => {
  // Admins create admins and shoppers with AdminCreateUser: their own call, not checked here.
  if (triggerSource === 'PreSignUp_AdminCreateUser') return response;
  // The pool federates with no other identity provider; this names the wiring mistake if one is added.
  if (triggerSource === 'PreSignUp_ExternalProvider') {
    throw new SignUpRefusedError('Sign-up through another identity provider is not offered');
  }
  await checkSignUp(rateLimits, policy, { email: request.userAttributes.email, now: new Date() });
  // The person confirms their address with the code Cognito mails: nothing is auto-confirmed.
  return { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false };
});
