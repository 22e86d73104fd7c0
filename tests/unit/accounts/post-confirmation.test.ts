// The post confirmation trigger, fed AWS's sample event, with Lambda (createCustomer) and Cognito
// (AdminAddUserToGroup) mocked at the SDK.
import { AdminAddUserToGroupCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/accounts/post-confirmation';
import sample from '../../fixtures/events/cognito-event-userpools-postconfirmation.json';
import { lambdaContext } from '../../helpers/http-events';

const lambda = mockClient(LambdaClient);
const cognito = mockClient(CognitoIdentityProviderClient);
const invoke = (event: unknown) => handler(event, lambdaContext());
const sub = '3f1c2a9e-8d4b-4c1e-9f2a-6b7d8e9f0a1b';

/** AWS's sample as Cognito sends it for a real user: the sub and the address among the attributes. */
const confirmed = (overrides: Record<string, unknown> = {}) => ({
  ...structuredClone(sample),
  userPoolId: 'us-east-1_EXAMPLE',
  userName: sub,
  request: {
    ...structuredClone(sample.request),
    userAttributes: { sub, email: 'ada@example.com', email_verified: 'true' },
  },
  ...overrides,
});

const created = (value: boolean) => ({ Payload: Buffer.from(JSON.stringify({ created: value })), StatusCode: 200 });

beforeEach(() => {
  lambda.reset();
  cognito.reset();
  lambda.on(InvokeCommand).resolves(created(true) as never);
  cognito.on(AdminAddUserToGroupCommand).resolves({});
});

describe('postConfirmation', () => {
  it('creates the customer through createCustomer, then puts the user in the shopper group', async () => {
    const result = (await invoke(confirmed())) as Record<string, unknown>;

    expect(result.response).toEqual({});
    const [invocation] = lambda.commandCalls(InvokeCommand);
    expect(invocation!.args[0].input).toMatchObject({
      FunctionName: 'shelf-test-createCustomer',
      InvocationType: 'RequestResponse',
    });
    expect(JSON.parse(Buffer.from(invocation!.args[0].input.Payload as Uint8Array).toString('utf8'))).toEqual({
      customerId: sub,
      email: 'ada@example.com',
    });
    expect(cognito.commandCalls(AdminAddUserToGroupCommand).map((c) => c.args[0].input)).toEqual([
      { UserPoolId: 'us-east-1_EXAMPLE', Username: sub, GroupName: 'shopper' },
    ]);
  });

  it('completes a repeated confirmation: the existing row stays, the group membership is asked again', async () => {
    lambda.on(InvokeCommand).resolves(created(false) as never);
    await invoke(confirmed());
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)).toHaveLength(1);
  });

  it('adds no group member when the customer row could not be written', async () => {
    lambda.on(InvokeCommand).resolves({
      FunctionError: 'Unhandled',
      Payload: Buffer.from(JSON.stringify({ errorMessage: 'connect ETIMEDOUT 10.0.1.5:5432' })),
    } as never);
    await expect(invoke(confirmed())).rejects.toThrow('Something went wrong on our side; please try again in a minute');
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)).toHaveLength(0);
  });

  it('refuses AWS sample event as it stands (no sub, "<email>"), writing nothing', async () => {
    await expect(invoke(structuredClone(sample))).rejects.toThrow(
      'Invalid trigger event: userAttributes need a UUID sub and an e-mail address',
    );
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)).toHaveLength(0);
  });

  it('does nothing when the confirmation is a forgotten password reset', async () => {
    const result = (await invoke(confirmed({ triggerSource: 'PostConfirmation_ConfirmForgotPassword' }))) as {
      response: unknown;
    };
    expect(result.response).toEqual({});
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});
