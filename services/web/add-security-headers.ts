/**
 * Lambda@Edge, viewer-response: adds the web app's security headers to every response CloudFront
 * sends (services/web/functions.yml). The local web server (infra/local/web-server.ts) imports
 * `securityHeaders` from here, so the app is tested under the very policy it is deployed with.
 *
 * Lambda@Edge allows no environment variables, so what the policy needs is in the code: the API,
 * the presigned S3 upload URLs and Cognito's token endpoint all live under the two AWS domains.
 */
import type { CloudFrontHeaders, CloudFrontResponseHandler } from 'aws-lambda';

/** Where the deployed app may fetch from besides itself: API Gateway, S3 (uploads), Cognito. */
export const deployedConnectSources = ['https://*.amazonaws.com', 'https://*.amazoncognito.com'] as const;

export interface SecurityHeaderOptions {
  /** Origins the app calls with fetch/XHR, besides its own ('self'). */
  connectSources: readonly string[];
}

/** Header name (lower case) → value. */
export function securityHeaders({ connectSources }: SecurityHeaderOptions): Record<string, string> {
  const csp = [
    "default-src 'self'",
    // Vite emits only external module scripts and stylesheets: no inline code, no eval.
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...connectSources].join(' ')}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    // Two years; browsers ignore it over plain HTTP (the local server), as they should.
    'strict-transport-security': 'max-age=63072000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    // frame-ancestors is the modern form; X-Frame-Options covers older browsers.
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    'cross-origin-opener-policy': 'same-origin',
  };
}

// Computed once per execution environment: the policy does not change between requests.
const deployedHeaders: CloudFrontHeaders = Object.fromEntries(
  Object.entries(securityHeaders({ connectSources: deployedConnectSources })).map(([name, value]) => [
    name,
    [{ key: canonicalName(name), value }],
  ]),
);

function canonicalName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

export const handler: CloudFrontResponseHandler = (event) => {
  const { response } = event.Records[0]!.cf;
  // Ours replace any the origin sent: the origin (S3) is not where this policy is decided.
  Object.assign(response.headers, deployedHeaders);
  return Promise.resolve(response);
};
