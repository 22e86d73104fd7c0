// The pre token generation trigger: a V2 event built from the developer guide (AWS's sample in
// tests/fixtures/events/ is the V1 event, which this trigger refuses).
import { handler } from '../../../services/accounts/pre-token-generation';
import v1Sample from '../../fixtures/events/cognito-event-userpools-pretokengen.json';
import v2Event from '../../fixtures/events/cognito-event-userpools-pretokengen-v2.json';
import { lambdaContext } from '../../helpers/http-events';

const invoke = (event: unknown) => handler(event, lambdaContext()) as Promise<{ response: Record<string, unknown> }>;
const withGroups = (groups: string[]) => {
  const event = structuredClone(v2Event);
  event.request.groupConfiguration.groupsToOverride = groups;
  return event;
};

describe('preTokenGeneration', () => {
  it("adds a shopper's customer_id to both tokens and keeps the shopper group", async () => {
    const { response } = await invoke(structuredClone(v2Event));
    const claims = { customer_id: v2Event.request.userAttributes.sub };
    expect(response).toEqual({
      claimsAndScopeOverrideDetails: {
        idTokenGeneration: { claimsToAddOrOverride: claims },
        accessTokenGeneration: { claimsToAddOrOverride: claims },
        groupOverrideDetails: { groupsToOverride: ['shopper'], iamRolesToOverride: [] },
      },
    });
  });

  it('gives an admin no customer_id, and drops groups that are no role of the API', async () => {
    const { response } = await invoke(withGroups(['admin', 'beta-testers']));
    expect(response.claimsAndScopeOverrideDetails).toMatchObject({
      idTokenGeneration: { claimsToAddOrOverride: {} },
      groupOverrideDetails: { groupsToOverride: ['admin'] },
    });
  });

  it('gives a user in no group no role and no customer_id', async () => {
    const { response } = await invoke(withGroups([]));
    expect(response.claimsAndScopeOverrideDetails).toMatchObject({
      accessTokenGeneration: { claimsToAddOrOverride: {} },
      groupOverrideDetails: { groupsToOverride: [] },
    });
  });

  it('refuses the V1 event (AWS sample), which cannot carry the access token claims', async () => {
    await expect(invoke(structuredClone(v1Sample))).rejects.toThrow(
      'Invalid trigger event: version: must be "2": set the trigger to LambdaVersion V2_0',
    );
  });

  it("refuses an event without the user's sub", async () => {
    const event = structuredClone(v2Event) as { request: { userAttributes: Record<string, string> } };
    delete event.request.userAttributes.sub;
    await expect(invoke(event)).rejects.toThrow('Invalid trigger event: userAttributes has no sub');
  });
});
