// The local user pool runs the pool's triggers with Cognito's event shapes and answers as
// Cognito does; the functions are stood in for here (the real ones run in
// tests/integration/sign-up.test.ts).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoError, LocalUserPool, type TriggerRunner } from '../../../../infra/local/aws/cognito/user-pool';

const password = 'Correct-Horse-12';
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));

function aPool(runTrigger: TriggerRunner) {
  const dir = mkdtempSync(join(tmpdir(), 'shelf-cognito-'));
  const pool = new LocalUserPool(join(dir, 'users.json'), dir);
  pool.settings = {
    userPoolId: 'us-east-1_ShelfLocal',
    clientId: 'shelf-local-web',
    region: 'us-east-1',
    passwordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true },
    groups: ['admin', 'shopper'],
    triggers: ['PreSignUp', 'PostConfirmation', 'PreTokenGeneration'],
    tokenEventVersion: '2',
  };
  const codes: string[] = [];
  pool.deliverCode = (_email, code) => Promise.resolve(void codes.push(code));
  pool.runTrigger = runTrigger;
  return { pool, codes };
}

describe('the local user pool', () => {
  it('runs the three triggers with their event shapes and builds the tokens from the V2 response', async () => {
    const events: Record<string, any>[] = [];
    const { pool, codes } = aPool((trigger, event) => {
      events.push({ trigger, ...event });
      if (trigger === 'PostConfirmation')
        pool.adminAddUserToGroup({
          UserPoolId: event.userPoolId as string,
          Username: event.userName as string,
          GroupName: 'shopper',
        });
      if (trigger !== 'PreTokenGeneration') return Promise.resolve(event);
      return Promise.resolve({
        ...event,
        response: {
          claimsAndScopeOverrideDetails: {
            idTokenGeneration: { claimsToAddOrOverride: { customer_id: 'c-1' }, claimsToSuppress: ['email_verified'] },
            accessTokenGeneration: { claimsToAddOrOverride: { customer_id: 'c-1' } },
            groupOverrideDetails: { groupsToOverride: ['shopper'] },
          },
        },
      });
    });

    const { UserSub: sub } = await pool.signUp({
      ClientId: 'shelf-local-web',
      Username: 'Ada@example.com',
      Password: password,
    });
    await pool.confirmSignUp({ ClientId: 'shelf-local-web', Username: 'ada@example.com', ConfirmationCode: codes[0] });
    const { AuthenticationResult } = await pool.initiateAuth({
      ClientId: 'shelf-local-web',
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'ada@example.com', PASSWORD: password },
    });

    expect(events.map((e) => [e.trigger, e.triggerSource, e.version])).toEqual([
      ['PreSignUp', 'PreSignUp_SignUp', '1'],
      ['PostConfirmation', 'PostConfirmation_ConfirmSignUp', '1'],
      ['PreTokenGeneration', 'TokenGeneration_Authentication', '2'],
    ]);
    expect(events[0]).toMatchObject({ userName: sub, request: { userAttributes: { email: 'Ada@example.com' } } });
    expect(events[1]!.request.userAttributes).toEqual({
      sub,
      email: 'ada@example.com',
      email_verified: 'true',
      'cognito:user_status': 'CONFIRMED',
    });
    expect(events[2]!.request.groupConfiguration.groupsToOverride).toEqual(['shopper']);
    const id = claimsOf(AuthenticationResult.IdToken);
    expect(id).toMatchObject({
      sub,
      customer_id: 'c-1',
      'cognito:groups': ['shopper'],
      aud: 'shelf-local-web',
      token_use: 'id',
    });
    expect(id).not.toHaveProperty('email_verified');
    expect(claimsOf(AuthenticationResult.AccessToken)).toMatchObject({
      customer_id: 'c-1',
      token_use: 'access',
      client_id: 'shelf-local-web',
    });
  });

  it('answers a pre sign-up refusal as Cognito does and keeps no user', async () => {
    const { pool, codes } = aPool(() => Promise.reject(new Error('Enter a valid e-mail address')));
    const signUp = () => pool.signUp({ ClientId: 'shelf-local-web', Username: 'x@example', Password: password });
    await expect(signUp()).rejects.toEqual(
      new CognitoError('UserLambdaValidationException', 'PreSignUp failed with error Enter a valid e-mail address.'),
    );
    await expect(signUp()).rejects.toMatchObject({ type: 'UserLambdaValidationException' });
    expect(codes).toEqual([]);
  });

  it('keeps the user confirmed when the post confirmation trigger fails, as Cognito does', async () => {
    const { pool, codes } = aPool((trigger, event) =>
      trigger === 'PostConfirmation' ? Promise.reject(new Error('Something went wrong')) : Promise.resolve(event),
    );
    await pool.signUp({ ClientId: 'shelf-local-web', Username: 'bo@example.com', Password: password });
    await expect(
      pool.confirmSignUp({ ClientId: 'shelf-local-web', Username: 'bo@example.com', ConfirmationCode: codes[0] }),
    ).rejects.toMatchObject({
      type: 'UserLambdaValidationException',
      message: 'PostConfirmation failed with error Something went wrong.',
    });
    await expect(
      pool.confirmSignUp({ ClientId: 'shelf-local-web', Username: 'bo@example.com', ConfirmationCode: codes[0] }),
    ).rejects.toMatchObject({ type: 'NotAuthorizedException' });
  });

  it('refuses an unknown group, user or app client', async () => {
    const { pool } = aPool((_t, event) => Promise.resolve(event));
    expect(() =>
      pool.adminAddUserToGroup({ UserPoolId: 'us-east-1_ShelfLocal', Username: 'nobody', GroupName: 'vip' }),
    ).toThrow('Group not found.');
    expect(() =>
      pool.adminAddUserToGroup({ UserPoolId: 'us-east-1_ShelfLocal', Username: 'nobody', GroupName: 'shopper' }),
    ).toThrow('User does not exist.');
    await expect(
      pool.signUp({ ClientId: 'other', Username: 'a@example.com', Password: password }),
    ).rejects.toMatchObject({
      type: 'ResourceNotFoundException',
    });
  });
});
