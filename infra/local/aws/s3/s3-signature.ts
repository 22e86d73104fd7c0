/**
 * How S3 authenticates a request, for the local S3 front (s3-front.ts): Signature Version 4 in the
 * Authorization header (the SDK's clients), in the query string (presigned URLs) and over a POST
 * policy (browser form uploads, s3-post-object.ts). Each signature is computed again with the
 * SDK's own signer from what the request carries, so a URL used with another key, method or
 * signed header value, or an unsigned `x-amz-*` header, fails as it would on S3. A header-signed
 * request must carry `x-amz-date` (the SDK always does; S3 would also take `Date`).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { escapeUri, HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';

/** A refusal as S3 words it: status, code, message and the extra elements of its XML error. */
export class S3Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, string | number> = {},
  ) {
    super(message);
  }
}

export const accessDenied = (message = 'Access Denied', details: Record<string, string | number> = {}) =>
  new S3Refusal(403, 'AccessDenied', message, details);

/** What the checks read of a request: the path and query as sent, and the headers. */
export interface S3Request {
  method: string;
  /** The path as sent, still percent-encoded. */
  rawPath: string;
  /** The query's parameters, decoded, in order (a parameter without `=` has the value ''). */
  query: [string, string][];
  headers: IncomingHttpHeaders;
}

/** Access key id → secret access key. */
export type Secrets = ReadonlyMap<string, string>;

const algorithm = 'AWS4-HMAC-SHA256';
/** S3 refuses a header-signed request whose time is further than this from its own. */
const allowedSkewMs = 15 * 60 * 1000;
/** The longest a presigned URL may live: a week. */
const maxExpiresSeconds = 7 * 24 * 60 * 60;

export function parseQuery(search: string): [string, string][] {
  if (!search) return [];
  return search.split('&').map((pair) => {
    const at = pair.indexOf('=');
    const [name, value] = at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
    return [decode(name), decode(value)];
  });
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Refusal(400, 'InvalidURI', "Couldn't parse the specified URI.");
  }
}

/** S3 signs the key as decoded and encoded again, whatever encoding the client chose. */
function canonicalPath(rawPath: string): string {
  return rawPath
    .split('/')
    .map((segment) => escapeUri(decode(segment)))
    .join('/');
}

function queryRecord(pairs: [string, string][], without?: string): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    if (name === without) continue;
    const seen = record[name];
    record[name] = seen === undefined ? value : [...[seen].flat(), value];
  }
  return record;
}

const queryValue = (request: S3Request, name: string) => request.query.find(([n]) => n === name)?.[1];

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** `20261201T120000Z`, the signing time's format. */
export function parseAmzDate(value: string | undefined): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

/** `AKID/20261201/us-east-1/s3/aws4_request` */
export function parseCredential(credential: string, secrets: Secrets, malformed: (message: string) => S3Refusal) {
  const [accessKeyId, shortDate, region, service, terminator, ...rest] = credential.split('/');
  if (!accessKeyId || !shortDate || !region || service === undefined || terminator === undefined || rest.length) {
    throw malformed(`The credential '${credential}' is malformed.`);
  }
  if (service !== 's3') throw malformed(`The credential names the service '${service}'; expecting 's3'.`);
  if (terminator !== 'aws4_request') throw malformed(`The credential must end in 'aws4_request'.`);
  const secretAccessKey = secrets.get(accessKeyId);
  if (secretAccessKey === undefined) {
    throw new S3Refusal(
      403,
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
      {
        AWSAccessKeyId: accessKeyId,
      },
    );
  }
  return { accessKeyId, secretAccessKey, shortDate, region };
}

export function signerFor(credential: { accessKeyId: string; secretAccessKey: string; region: string }) {
  return new SignatureV4({
    credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey },
    region: credential.region,
    service: 's3',
    sha256: Sha256,
    // S3's canonical path is the path as encoded (canonicalPath), not normalised or encoded twice.
    uriEscapePath: false,
    applyChecksum: false,
  });
}

export function sameSignature(provided: string, computed: string): boolean {
  const a = Buffer.from(provided);
  const b = Buffer.from(computed);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const signatureDoesNotMatch = (accessKeyId: string, signature: string) =>
  new S3Refusal(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    { AWSAccessKeyId: accessKeyId, SignatureProvided: signature },
  );

/** S3 wants every `x-amz-*` header a request carries to be signed. */
function refuseUnsignedAmzHeaders(headers: IncomingHttpHeaders, signed: ReadonlySet<string>) {
  const unsigned = Object.keys(headers).filter((name) => name.startsWith('x-amz-') && !signed.has(name));
  if (unsigned.length) {
    throw accessDenied('There were headers present in the request which were not signed', {
      HeadersNotSigned: unsigned.join(', '),
    });
  }
}

/** The signed headers with the values this request carries: a changed value changes the signature. */
function signedHeaderValues(headers: IncomingHttpHeaders, signed: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(
    [...signed].flatMap((name) => {
      const value = headerValue(headers, name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
}

export function authorizationMechanism(request: S3Request): 'header' | 'query' | undefined {
  const authorization = headerValue(request.headers, 'authorization');
  const inQuery = queryValue(request, 'X-Amz-Algorithm') !== undefined;
  const sigV2Query =
    queryValue(request, 'Signature') !== undefined || queryValue(request, 'AWSAccessKeyId') !== undefined;
  if ([authorization !== undefined, inQuery, sigV2Query].filter(Boolean).length > 1) {
    throw new S3Refusal(
      400,
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    );
  }
  if (sigV2Query || /^AWS /.test(authorization ?? '')) {
    throw new S3Refusal(
      400,
      'InvalidRequest',
      'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
    );
  }
  if (authorization !== undefined) return 'header';
  return inQuery ? 'query' : undefined;
}

/** Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=… */
export async function checkHeaderSignature(request: S3Request, secrets: Secrets, now: Date): Promise<void> {
  const authorization = headerValue(request.headers, 'authorization') ?? '';
  const malformed = (message: string) => new S3Refusal(400, 'AuthorizationHeaderMalformed', message);
  if (!authorization.startsWith(`${algorithm} `)) {
    throw new S3Refusal(400, 'InvalidArgument', 'Unsupported Authorization Type', { ArgumentName: 'Authorization' });
  }
  const parts = new Map(
    authorization
      .slice(algorithm.length + 1)
      .split(',')
      .map((part) => {
        const at = part.indexOf('=');
        return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
      }),
  );
  const [credentialText, signedText, signature] = ['Credential', 'SignedHeaders', 'Signature'].map((name) =>
    parts.get(name),
  );
  if (!credentialText || !signedText || !signature) {
    throw malformed(
      'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.',
    );
  }
  const credential = parseCredential(credentialText, secrets, malformed);
  const signingDate = parseAmzDate(headerValue(request.headers, 'x-amz-date'));
  if (!signingDate) throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  if (credential.shortDate !== headerValue(request.headers, 'x-amz-date')!.slice(0, 8)) {
    throw malformed('Invalid credential date. Date is not the same as X-Amz-Date.');
  }
  if (Math.abs(now.getTime() - signingDate.getTime()) > allowedSkewMs) {
    throw new S3Refusal(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      {
        RequestTime: signingDate.toISOString(),
        ServerTime: now.toISOString(),
        MaxAllowedSkewMilliseconds: allowedSkewMs,
      },
    );
  }
  if (headerValue(request.headers, 'x-amz-content-sha256') === undefined) {
    throw new S3Refusal(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  const signed = new Set(signedText.split(';'));
  refuseUnsignedAmzHeaders(request.headers, signed);

  const signedRequest = await signerFor(credential).sign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: 'localhost',
      path: canonicalPath(request.rawPath),
      query: queryRecord(request.query),
      headers: signedHeaderValues(request.headers, signed),
    }),
    { signingDate, signingRegion: credential.region, signingService: 's3', signableHeaders: signed },
  );
  const computed = /Signature=([0-9a-f]+)/.exec(String(signedRequest.headers.authorization))?.[1] ?? '';
  if (!sameSignature(signature, computed)) throw signatureDoesNotMatch(credential.accessKeyId, signature);
}

/** A presigned URL: X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders, -Signature. */
export async function checkQuerySignature(request: S3Request, secrets: Secrets, now: Date): Promise<void> {
  const malformed = (message: string) => new S3Refusal(400, 'AuthorizationQueryParametersError', message);
  const [algorithmUsed, credentialText, amzDate, expiresText, signedText, signature] = [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Date',
    'X-Amz-Expires',
    'X-Amz-SignedHeaders',
    'X-Amz-Signature',
  ].map((name) => queryValue(request, name));
  if (!algorithmUsed || !credentialText || !amzDate || !expiresText || !signedText || !signature) {
    throw malformed(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  if (algorithmUsed !== algorithm) throw malformed(`X-Amz-Algorithm only supports "${algorithm}"`);
  const credential = parseCredential(credentialText, secrets, malformed);
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) throw malformed(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  const expiresIn = /^\d+$/.test(expiresText) ? Number(expiresText) : NaN;
  if (!(expiresIn >= 0)) throw malformed('X-Amz-Expires should be a number');
  if (expiresIn > maxExpiresSeconds) {
    throw malformed(`X-Amz-Expires must be less than a week (in seconds) that is; ${maxExpiresSeconds}`);
  }
  if (signingDate.getTime() - now.getTime() > allowedSkewMs) throw accessDenied('Request is not valid yet');
  const expires = new Date(signingDate.getTime() + expiresIn * 1000);
  if (now > expires) {
    throw accessDenied('Request has expired', {
      'X-Amz-Expires': expiresText,
      Expires: expires.toISOString(),
      ServerTime: now.toISOString(),
    });
  }
  const signed = new Set(signedText.split(';'));
  refuseUnsignedAmzHeaders(request.headers, signed);

  // Presigned URLs sign no payload; the presigner passes that as a header it does not sign.
  const payload = 'x-amz-content-sha256';
  const headers = { [payload]: 'UNSIGNED-PAYLOAD', ...signedHeaderValues(request.headers, signed) };
  const presigned = await signerFor(credential).presign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: 'localhost',
      path: canonicalPath(request.rawPath),
      query: queryRecord(request.query, 'X-Amz-Signature'),
      headers,
    }),
    {
      signingDate,
      expiresIn,
      signingRegion: credential.region,
      signingService: 's3',
      signableHeaders: signed,
      unsignableHeaders: new Set([payload]),
      // The signed headers stay headers; the x-amz-* ones in the URL are already in its query.
      unhoistableHeaders: new Set([...signed, payload]),
    },
  );
  const computed = String(presigned.query?.['X-Amz-Signature'] ?? '');
  if (!sameSignature(signature, computed)) throw signatureDoesNotMatch(credential.accessKeyId, signature);
}
