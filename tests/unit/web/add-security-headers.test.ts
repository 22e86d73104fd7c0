// The Lambda@Edge viewer-response function with AWS's sample CloudFront response event.
import type { CloudFrontResponseEvent, CloudFrontResponseResult } from 'aws-lambda';
import { handler } from '../../../services/web/add-security-headers';
import sample from '../../fixtures/events/cloudfront-response.json';
import { lambdaContext } from '../../helpers/http-events';

/**
 * The sample as CloudFront sends it. Its top-level key is spelled `records` (it comes from Go test
 * data, and Go decodes JSON keys case-insensitively); CloudFront's events say `Records`, as
 * cloudfront-request.json does. Everything below `records` is used as AWS wrote it.
 */
function viewerResponse(edit: (response: CloudFrontResponseEvent['Records'][0]['cf']['response']) => void = () => {}) {
  const event = { Records: structuredClone(sample.records) } as unknown as CloudFrontResponseEvent;
  edit(event.Records[0]!.cf.response);
  return event;
}

async function run(event: CloudFrontResponseEvent) {
  const result = (await handler(event, lambdaContext(), () => undefined)) as CloudFrontResponseResult;
  if (!result) throw new Error('the handler returned no response');
  return result;
}

const added = {
  'content-security-policy': 'Content-Security-Policy',
  'strict-transport-security': 'Strict-Transport-Security',
  'x-content-type-options': 'X-Content-Type-Options',
  'x-frame-options': 'X-Frame-Options',
  'referrer-policy': 'Referrer-Policy',
  'permissions-policy': 'Permissions-Policy',
  'cross-origin-opener-policy': 'Cross-Origin-Opener-Policy',
};

/** A CSP header as directive → sources. */
function directives(csp: string): Record<string, string[]> {
  return Object.fromEntries(
    csp.split(';').map((directive) => {
      const [name, ...sources] = directive.trim().split(/\s+/);
      return [name!, sources];
    }),
  );
}

describe('addSecurityHeaders (Lambda@Edge, viewer-response)', () => {
  it("adds exactly the app's security headers to AWS's sample response, each under its canonical name", async () => {
    const response = await run(viewerResponse());

    const headers = response.headers!;
    expect(Object.keys(headers).sort()).toEqual(['server', 'set-cookie', ...Object.keys(added)].sort());
    for (const [name, key] of Object.entries(added)) {
      expect({ name, entries: headers[name]!.length, key: headers[name]![0]!.key }).toEqual({ name, entries: 1, key });
    }
    const value = (name: keyof typeof added) => headers[name]![0]!.value;
    expect(value('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
    expect(value('x-content-type-options')).toBe('nosniff');
    expect(value('x-frame-options')).toBe('DENY');
    expect(value('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(value('permissions-policy')).toBe('camera=(), microphone=(), geolocation=(), payment=(), usb=()');
    expect(value('cross-origin-opener-policy')).toBe('same-origin');
  });

  it('sends a Content-Security-Policy that allows only the app itself, the AWS APIs it calls and Cognito', async () => {
    const response = await run(viewerResponse());

    const csp = response.headers!['content-security-policy']![0]!.value;
    expect(directives(csp)).toEqual({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'"],
      // The HTTP API and the presigned S3 upload URLs (*.amazonaws.com), Cognito's token endpoint.
      'connect-src': ["'self'", 'https://*.amazonaws.com', 'https://*.amazoncognito.com'],
      'object-src': ["'none'"],
      'base-uri': ["'self'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    });
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
  });

  it("keeps the origin's own headers (Server, both Set-Cookie values) and the status as they were", async () => {
    const event = viewerResponse();
    const before = structuredClone(event.Records[0]!.cf.response);

    const response = await run(event);

    expect(response.status).toBe('200');
    expect(response.statusDescription).toBe('OK');
    expect(response.status).toBe(before.status);
    expect(response.headers!.server).toEqual([{ key: 'Server', value: 'MyCustomOrigin' }]);
    expect(response.headers!['set-cookie']).toEqual([
      { key: 'Set-Cookie', value: 'theme=light' },
      { key: 'Set-Cookie', value: 'sessionToken=abc123; Expires=Wed, 09 Jun 2021 10:18:14 GMT' },
    ]);
  });

  it('replaces a security header the origin sent instead of adding a second one', async () => {
    const event = viewerResponse((response) => {
      response.headers['x-frame-options'] = [{ key: 'X-Frame-Options', value: 'SAMEORIGIN' }];
      response.headers['content-security-policy'] = [{ key: 'content-security-policy', value: 'default-src *' }];
    });

    const response = await run(event);

    expect(response.headers!['x-frame-options']).toEqual([{ key: 'X-Frame-Options', value: 'DENY' }]);
    expect(response.headers!['content-security-policy']).toHaveLength(1);
    expect(response.headers!['content-security-policy']![0]!.value).toContain("default-src 'self'");
  });

  it('leaves a non-200 status alone', async () => {
    const response = await run(
      viewerResponse((r) => {
        r.status = '304';
        r.statusDescription = 'Not Modified';
      }),
    );

    expect(response.status).toBe('304');
    expect(response.statusDescription).toBe('Not Modified');
    expect(response.headers!['x-content-type-options']).toEqual([{ key: 'X-Content-Type-Options', value: 'nosniff' }]);
  });
});
