/**
 * The local stand-in for the Cognito user pool: an RSA key pair that signs tokens shaped like
 * Cognito ID tokens (`npm run token`), and the issuer, audience and public key that
 * offline-authorizer.ts checks them against. The key is made on first use and kept in the local
 * data directory (data-dir.ts: `.local/issuer/`, or under SHELF_DATA_DIR), which the signer and the
 * authorizer inside serverless-offline both read, so they agree on it.
 */
import { createPrivateKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Jwk } from 'aws-jwt-verify/jwk';
import type { Role } from '../../shared/auth/caller';
import { localDataDir } from './data-dir';

export const localIssuer = 'https://issuer.shelf.localhost';
export const localAudience = 'shelf-local-web';

export const signingKeyFile = (dataDir = localDataDir()) => join(dataDir, 'issuer', 'signing-key.json');

export interface SigningKey {
  kid: string;
  privateKeyPem: string;
  publicJwk: Jwk & { kid: string };
}

function readKey(keyFile: string): SigningKey | undefined {
  try {
    return JSON.parse(readFileSync(keyFile, 'utf8')) as SigningKey;
  } catch {
    return undefined;
  }
}

export function signingKey(dataDir?: string): SigningKey {
  const keyFile = signingKeyFile(dataDir);
  const existing = readKey(keyFile);
  if (existing) return existing;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const key: SigningKey = {
    kid,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicJwk: { ...(publicKey.export({ format: 'jwk' }) as Jwk), kid, alg: 'RS256', use: 'sig' },
  };
  mkdirSync(dirname(keyFile), { recursive: true });
  try {
    // 'wx': if two processes race to create the key, the first one wins and both use it.
    writeFileSync(keyFile, JSON.stringify(key), { flag: 'wx', mode: 0o600 });
    return key;
  } catch {
    return readKey(keyFile)!;
  }
}

export function localJwks(dataDir?: string) {
  return { keys: [signingKey(dataDir).publicJwk] };
}

export interface TokenOptions {
  sub: string;
  role: Role;
  email?: string;
  /** Seconds from now; negative gives an expired token (for tests). */
  expiresIn?: number;
  issuer?: string;
  audience?: string;
  /** Sign with this key instead of the local issuer's (for tests of forged tokens). */
  privateKeyPem?: string;
  /** The local data directory whose issuer key signs (default: localDataDir()). */
  dataDir?: string;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT with the claims a Cognito ID token carries (sub, cognito:groups, iss, aud, exp, ...). */
export function signToken({
  sub,
  role,
  email,
  expiresIn = 3600,
  issuer = localIssuer,
  audience = localAudience,
  privateKeyPem,
  dataDir,
}: TokenOptions): string {
  return signClaims(
    {
      sub,
      'cognito:groups': [role],
      'cognito:username': sub,
      email: email ?? `${sub}@example.com`,
      email_verified: true,
      token_use: 'id',
      iss: issuer,
      aud: audience,
    },
    { expiresIn, privateKeyPem, dataDir },
  );
}

/**
 * Signs the given claims with the local issuer's key, adding auth_time, iat and exp: what
 * signToken and the local user pool (aws/cognito/) issue their tokens with.
 */
export function signClaims(
  claims: Record<string, unknown>,
  { expiresIn = 3600, privateKeyPem, dataDir }: Pick<TokenOptions, 'expiresIn' | 'privateKeyPem' | 'dataDir'> = {},
): string {
  const key = signingKey(dataDir);
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: key.kid };
  const payload = { ...claims, auth_time: now, iat: Math.min(now, now + expiresIn - 60), exp: now + expiresIn };
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  const signature = sign('RSA-SHA256', Buffer.from(signingInput), createPrivateKey(privateKeyPem ?? key.privateKeyPem));
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** A key pair the local issuer does not know, for forging tokens in tests. */
export function foreignPrivateKeyPem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
