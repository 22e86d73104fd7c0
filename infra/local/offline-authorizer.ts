/**
 * The HTTP API JWT authorizer, locally. serverless-offline's own JWT code cannot check
 * signatures (it needs `ignoreJWTSignature`, and then accepts forged tokens), so it is replaced
 * through `custom.offline.customAuthenticationProvider` in serverless.yml. Like API Gateway, this
 * rejects a missing, malformed, expired, wrongly signed, foreign-issuer or wrong-audience token
 * with 401 before the function runs; the function then checks the role (403).
 */
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { localAudience, localIssuer, localJwks } from './local-issuer';

interface Endpoint {
  authorizer?: unknown;
}

// The small part of hapi's request and toolkit (serverless-offline's HTTP server) used here.
interface Request {
  headers: Record<string, string | undefined>;
}
interface Response {
  code(status: number): Response;
  header(name: string, value: string): Response;
  takeover(): Response;
}
interface ResponseToolkit {
  response(body: unknown): Response;
  authenticated(data: { credentials: object }): unknown;
}

const verifier = JwtRsaVerifier.create({ issuer: localIssuer, audience: localAudience });
const jwks = localJwks();
verifier.cacheJwks(jwks);
const knownKids = new Set(jwks.keys.map((key) => key.kid));

/** Reads the key id without trusting anything else in the token. */
function kidOf(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      kid?: unknown;
    };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/** Why the token is not acceptable, or undefined when it is. */
export async function rejectReason(authorization: string | undefined): Promise<string | undefined> {
  if (!authorization) return 'no token';
  const token = authorization.replace(/^Bearer\s+/i, '');
  // The verifier would try to download the issuer's JWKS for an unknown key id; locally there
  // is only one key, so a token signed with any other is simply not ours.
  const kid = kidOf(token);
  if (!kid || !knownKids.has(kid)) return 'the token is not signed by the local issuer';
  try {
    const payload = await verifier.verify(token);
    if (typeof payload.exp !== 'number') return 'the token has no expiry';
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export function offlineAuthenticationProvider(endpoint: Endpoint, functionKey: string, method: string, path: string) {
  const name = `shelf-jwt-${functionKey}-${method}-${path}`;
  return {
    name,
    scheme: name,
    getAuthenticateFunction: () => ({
      async authenticate(request: Request, h: ResponseToolkit) {
        // serverless-offline lets this header replace the authorizer's claims on any route;
        // API Gateway has no such door, so neither does Shelf's local stack.
        if (request.headers['sls-offline-authorizer-override']) {
          return h.response({ message: 'Forbidden' }).code(403).takeover();
        }
        if (!endpoint.authorizer) return h.authenticated({ credentials: {} });
        const reason = await rejectReason(request.headers.authorization);
        if (reason) {
          return h
            .response({ message: 'Unauthorized' })
            .code(401)
            .header('www-authenticate', `Bearer error="invalid_token" error_description="${reason.replace(/"/g, "'")}"`)
            .takeover();
        }
        return h.authenticated({ credentials: {} });
      },
    }),
  };
}
