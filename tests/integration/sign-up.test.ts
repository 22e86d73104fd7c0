// A shopper signs themselves up on the local stack, through the local user pool's Cognito API
// (infra/local/aws/cognito/) and the three triggers it runs: the pre sign-up checks, the
// confirmation code in the mailbox, the customer row and the shopper group, the token's claims,
// and an order placed with that token.
import { randomUUID } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { api, closeDb, createProduct, db, uniqueSku } from './helpers';

const clientId = 'shelf-local-web';
const password = 'Correct-Horse-12';
const cognito = new CognitoIdentityProviderClient({
  endpoint: process.env.SHELF_TEST_COGNITO_URL,
  region: process.env.SHELF_TEST_REGION,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

interface SentMail {
  destination: { to: string[] };
  body: { text?: string };
}

/** The confirmation code Cognito mailed to the address (the local SES mailbox). */
async function mailedCode(address: string, deadlineMs = 10_000): Promise<string> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const { emails } = (await (await fetch(`${process.env.SHELF_TEST_SES_URL}/store`)).json()) as {
      emails: SentMail[];
    };
    const mail = emails.filter((m) => m.destination.to.includes(address)).at(-1);
    const code = /verification code is (\d{6})/.exec(mail?.body.text ?? '')?.[1];
    if (code) return code;
    if (Date.now() > until) throw new Error(`no code mailed to ${address}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
const newAddress = (domain = 'example.com') => `shopper-${randomUUID().slice(0, 8)}@${domain}`;

afterAll(closeDb);

describe('self sign-up on the local stack', () => {
  it('signs up, confirms with the mailed code, becomes a customer and a shopper, and orders', async () => {
    const email = newAddress();
    const signedUp = await cognito.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: password }));
    expect(signedUp.UserConfirmed).toBe(false);
    expect(signedUp.CodeDeliveryDetails).toMatchObject({ DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    const sub = signedUp.UserSub!;

    // Unconfirmed: no sign-in, no customer yet.
    await expect(
      cognito.send(
        new InitiateAuthCommand({
          ClientId: clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      ),
    ).rejects.toMatchObject({ name: 'UserNotConfirmedException' });
    await expect(
      cognito.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: '000000x' })),
    ).rejects.toMatchObject({ name: 'CodeMismatchException' });

    const code = await mailedCode(email);
    await cognito.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: code }));

    const { rows } = await db().query('SELECT customer_id, email FROM customers WHERE customer_id = $1', [sub]);
    expect(rows).toEqual([{ customer_id: sub, email }]);

    const signedIn = await cognito.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    const idToken = signedIn.AuthenticationResult!.IdToken!;
    expect(claimsOf(idToken)).toMatchObject({
      sub,
      customer_id: sub,
      'cognito:groups': ['shopper'],
      email,
      token_use: 'id',
    });
    expect(claimsOf(signedIn.AuthenticationResult!.AccessToken!)).toMatchObject({
      customer_id: sub,
      token_use: 'access',
    });

    const sku = uniqueSku('SIGNUP');
    await createProduct(sku, { priceCents: 900, stock: 3 });
    const placed = await api('POST', '/orders', { token: idToken, body: { lines: [{ sku, quantity: 1 }] } });
    expect(placed.status).toBe(201);
    expect(placed.body.customerId).toBe(sub);
  });

  it('shows the pre sign-up refusal as Cognito does, and keeps no user', async () => {
    const email = newAddress('mailinator.com');
    await expect(
      cognito.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: password })),
    ).rejects.toMatchObject({
      name: 'UserLambdaValidationException',
      message:
        'PreSignUp failed with error Addresses at disposable mail services cannot sign up; use a permanent address.',
    });
    // Nothing was kept: the same address is refused again by the trigger, not as an existing user.
    await expect(
      cognito.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: password })),
    ).rejects.toMatchObject({
      name: 'UserLambdaValidationException',
    });
  });

  it('refuses an unsigned AdminAddUserToGroup: only a signed caller (the function) may add to a group', async () => {
    const response = await fetch(process.env.SHELF_TEST_COGNITO_URL!, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.AdminAddUserToGroup',
      },
      body: JSON.stringify({ UserPoolId: 'us-east-1_ShelfLocal', Username: 'anyone@example.com', GroupName: 'admin' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });

  it('refuses a weak password and an address taken, before any trigger', async () => {
    await expect(
      cognito.send(new SignUpCommand({ ClientId: clientId, Username: newAddress(), Password: 'short' })),
    ).rejects.toMatchObject({ name: 'InvalidPasswordException' });
    const email = newAddress();
    await cognito.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: password }));
    await expect(
      cognito.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: password })),
    ).rejects.toMatchObject({
      name: 'UsernameExistsException',
    });
  });
});
