/**
 * Who is signed in. The token is an ID token carrying `cognito:groups` (admin or shopper); the API
 * verifies it, the app only reads it to decide what to show. Kept in sessionStorage: it ends with
 * the tab, and the CSP keeps foreign scripts from reading it.
 *
 * Deployed: Cognito's hosted UI with the OAuth 2.0 authorization code flow and PKCE (no client
 * secret in a browser). Locally: the local web server signs tokens with the same issuer as
 * `npm run token`.
 */
import type { AuthConfig } from './runtime-config';
import { createStore, readStored, writeStored } from './store';

export type Role = 'admin' | 'shopper';

export interface Session {
  token: string;
  role: Role;
  userId: string;
  email: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

const sessionKey = 'shelf.session';
const pkceKey = 'shelf.pkce';

const isSession = (value: unknown): value is Session =>
  typeof value === 'object' && value !== null && typeof (value as Session).token === 'string';

function stillValid(session: Session | undefined): Session | undefined {
  return session && session.expiresAt > Date.now() + 30_000 ? session : undefined;
}

export const session = createStore<Session | undefined>(
  stillValid(readStored(sessionStorage, sessionKey, isSession)),
  (value) => writeStored(sessionStorage, sessionKey, value),
);

/** The claims the app needs, read (not verified: the API does that) from a JWT. */
export function sessionFromToken(token: string): Session {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('The sign-in service returned something that is not a token.');
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as {
    sub: string;
    email?: string;
    exp: number;
    'cognito:groups'?: string[];
  };
  const groups = claims['cognito:groups'] ?? [];
  return {
    token,
    role: groups.includes('admin') ? 'admin' : 'shopper',
    userId: claims.sub,
    email: claims.email ?? claims.sub,
    expiresAt: claims.exp * 1000,
  };
}

/** Local stack only: a token for any user id and role, from the local issuer. */
export async function signInLocally(config: Extract<AuthConfig, { mode: 'local' }>, userId: string, role: Role) {
  const response = await fetch(config.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: userId, role }),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: string; error?: { message?: string } };
  if (!response.ok || !body.token) throw new Error(body.error?.message ?? `Local sign-in failed (${response.status}).`);
  session.set(sessionFromToken(body.token));
}

type LocalUserPool = NonNullable<Extract<AuthConfig, { mode: 'local' }>['userPool']>;

/**
 * Local stack only: one call of Cognito's user pools API (the JSON protocol the AWS SDKs speak)
 * on the local user pool. Errors carry Cognito's message, e.g. "PreSignUp failed with error ...".
 */
async function userPoolCall<T>(pool: LocalUserPool, operation: string, input: object): Promise<T> {
  const response = await fetch(pool.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify({ ClientId: pool.clientId, ...input }),
  });
  const body = (await response.json().catch(() => ({}))) as T & { message?: string };
  if (!response.ok) throw new Error(body.message ?? `${operation} failed (${response.status}).`);
  return body;
}

/** Signs a shopper up; Cognito mails a confirmation code (locally: to the local mailbox). */
export async function signUp(pool: LocalUserPool, email: string, password: string): Promise<void> {
  await userPoolCall(pool, 'SignUp', { Username: email, Password: password });
}

export async function confirmSignUp(pool: LocalUserPool, email: string, code: string): Promise<void> {
  await userPoolCall(pool, 'ConfirmSignUp', { Username: email, ConfirmationCode: code });
}

export async function signInWithPassword(pool: LocalUserPool, email: string, password: string): Promise<void> {
  const result = await userPoolCall<{ AuthenticationResult?: { IdToken?: string } }>(pool, 'InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (!result.AuthenticationResult?.IdToken) throw new Error('The user pool returned no token.');
  session.set(sessionFromToken(result.AuthenticationResult.IdToken));
}

const base64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const callbackUrl = () => `${window.location.origin}/auth/callback`;

/** Deployed: off to Cognito's hosted UI; it comes back to /auth/callback with a code. */
export async function startHostedSignIn(config: Extract<AuthConfig, { mode: 'cognito' }>, returnTo: string) {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  writeStored(sessionStorage, pkceKey, { verifier, state, returnTo });
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: callbackUrl(),
    scope: 'openid email profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  window.location.assign(`${config.domain}/oauth2/authorize?${query}`);
}

/** Exchanges the code for tokens; returns where the user was going. */
export async function finishHostedSignIn(
  config: Extract<AuthConfig, { mode: 'cognito' }>,
  query: URLSearchParams,
): Promise<string> {
  const pending = readStored(
    sessionStorage,
    pkceKey,
    (v): v is { verifier: string; state: string; returnTo: string } => typeof v === 'object' && v !== null,
  );
  writeStored(sessionStorage, pkceKey, undefined);
  if (query.get('error')) throw new Error(query.get('error_description') ?? query.get('error')!);
  const code = query.get('code');
  if (!pending || !code || query.get('state') !== pending.state) {
    throw new Error('This sign-in link is not the one this tab started. Sign in again.');
  }
  const response = await fetch(`${config.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code,
      redirect_uri: callbackUrl(),
      code_verifier: pending.verifier,
    }),
  });
  const tokens = (await response.json().catch(() => ({}))) as { id_token?: string; error?: string };
  if (!response.ok || !tokens.id_token) throw new Error(`Sign-in failed: ${tokens.error ?? response.status}`);
  session.set(sessionFromToken(tokens.id_token));
  return pending.returnTo;
}

export function signOut(config: AuthConfig): void {
  session.set(undefined);
  if (config.mode === 'cognito') {
    const query = new URLSearchParams({ client_id: config.clientId, logout_uri: `${window.location.origin}/` });
    window.location.assign(`${config.domain}/logout?${query}`);
  }
}
