// The pre sign-up trigger, fed AWS's sample event (tests/fixtures/events/), with DynamoDB (the
// per-domain counters) mocked at the SDK.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/accounts/pre-sign-up';
import sample from '../../fixtures/events/cognito-event-userpools-presignup.json';
import { lambdaContext } from '../../helpers/http-events';

const dynamo = mockClient(DynamoDBDocumentClient);
const invoke = (event: unknown) => handler(event, lambdaContext());

/** AWS's sample with a real address instead of its "<email>" placeholder. */
const signUp = (email: string, overrides: Record<string, unknown> = {}) => ({
  ...structuredClone(sample),
  request: { ...structuredClone(sample.request), userAttributes: { email } },
  ...overrides,
});

beforeEach(() => {
  dynamo.reset();
  dynamo.on(UpdateCommand).resolves({});
});

describe('preSignUp', () => {
  it('lets a well-formed address sign up, counts it against its domain and confirms nothing itself', async () => {
    const result = (await invoke(signUp('Ada@Example.COM'))) as typeof sample;

    expect(result.response).toEqual({ autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false });
    expect(result.userName).toBe(sample.userName);
    const [call] = dynamo.commandCalls(UpdateCommand);
    expect(call!.args[0].input.TableName).toBe('shelf-test-sign-up-rate-limits');
    expect(call!.args[0].input.Key).toEqual({ pk: expect.stringMatching(/^example\.com#\d+$/) });
    expect(call!.args[0].input.ExpressionAttributeValues).toMatchObject({ ':cost': 1, ':room': 19 });
  });

  it('refuses AWS sample event as it stands: "<email>" is no address', async () => {
    await expect(invoke(structuredClone(sample))).rejects.toThrow('Enter a valid e-mail address');
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it.each(['someone@mailinator.com', 'someone@inbox.YOPMAIL.com'])(
    'refuses %s, a disposable mail service, without counting it',
    async (email) => {
      await expect(invoke(signUp(email))).rejects.toThrow(
        'Addresses at disposable mail services cannot sign up; use a permanent address',
      );
      expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    },
  );

  it('refuses a sign-up once its domain has had its share this hour', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    await expect(invoke(signUp('eve@example.org'))).rejects.toThrow(
      'Too many sign-ups from example.org just now; try again in an hour',
    );
  });

  it('leaves users created by an admin (AdminCreateUser) to the admin', async () => {
    const event = signUp('new.admin@shop.example', { triggerSource: 'PreSignUp_AdminCreateUser' });
    const result = (await invoke(event)) as typeof sample;
    expect(result.response).toEqual(sample.response);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('refuses a federated sign-up: the pool offers no other identity provider', async () => {
    const event = signUp('ada@example.com', { triggerSource: 'PreSignUp_ExternalProvider' });
    await expect(invoke(event)).rejects.toThrow('Sign-up through another identity provider is not offered');
  });

  it('refuses an event that is not a pre sign-up event, naming the field', async () => {
    await expect(invoke({ ...signUp('ada@example.com'), userPoolId: undefined })).rejects.toThrow(
      /^Invalid trigger event: userPoolId: /,
    );
    await expect(
      invoke(signUp('ada@example.com', { triggerSource: 'PostConfirmation_ConfirmSignUp' })),
    ).rejects.toThrow(/^Invalid trigger event: triggerSource: /);
  });

  it('answers a DynamoDB failure with a message that names no internals', async () => {
    dynamo.on(UpdateCommand).rejects(new Error('ProvisionedThroughputExceededException on table xyz'));
    await expect(invoke(signUp('ada@example.com'))).rejects.toThrow(
      'Something went wrong on our side; please try again in a minute',
    );
  });
});
