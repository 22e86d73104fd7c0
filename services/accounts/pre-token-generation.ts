// Cognito pre token generation trigger (V2 event): the role groups and a shopper's customer_id,
// in the ID and the access token. services/accounts/functions.yml.
import { tokenClaims } from '../../shared/customers/token-claims';
import {
  cognitoTrigger,
  InvalidTriggerEventError,
  preTokenGenerationV2Event,
  type PreTokenGenerationV2Response,
} from '../../shared/triggers/cognito-trigger';

export const handler = cognitoTrigger(preTokenGenerationV2Event, ({ request }): PreTokenGenerationV2Response => {
  const sub = request.userAttributes.sub;
  if (!sub) throw new InvalidTriggerEventError('userAttributes has no sub');
  const { groupsToOverride, iamRolesToOverride, preferredRole } = request.groupConfiguration;
  const { groups, claims } = tokenClaims({ sub, groups: groupsToOverride });
  return {
    claimsAndScopeOverrideDetails: {
      idTokenGeneration: { claimsToAddOrOverride: claims },
      accessTokenGeneration: { claimsToAddOrOverride: claims },
      // The IAM roles stay as they are: Shelf's groups carry none.
      groupOverrideDetails: {
        groupsToOverride: groups,
        iamRolesToOverride,
        ...(preferredRole ? { preferredRole } : {}),
      },
    },
  };
});
