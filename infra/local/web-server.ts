/**
 * The web app on the local stack: builds frontend/ with Vite, then serves it the way CloudFront
 * serves it when deployed: the same security headers (imported from the Lambda@Edge function, not
 * copied), the same Cache-Control per file (infra/web/cache-control.ts), and client routes
 * rewritten to index.html by the distribution's own CloudFront Function (WebRouteFunction in
 * infra/resources/web.yml, run by cloudfront-function.ts). It also serves the two things only a
 * local stack has:
 *   - /config.json pointing the app at the local API;
 *   - POST /local-auth/token: a token from the local issuer (the one `npm run token` uses) for
 *     any user and role. There is no Cognito here; this endpoint must never exist when deployed.
 * Shoppers may also sign up and sign in for real, on the local user pool (aws/cognito/), whose
 * address config.json gives the app.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import { z } from 'zod';
import type { AuthConfig, RuntimeConfig } from '../../frontend/src/runtime-config';
import { securityHeaders } from '../../services/web/add-security-headers';
import { roles } from '../../shared/auth/caller';
import { errorBody } from '../../shared/http/error-response';
import { HttpError } from '../../shared/http/http-error';
import { validate } from '../../shared/triggers/http-route';
import { cacheControlFor } from '../web/cache-control';
import type { ViewerRequestFunction } from './cloudfront-function';
import { signToken } from './local-issuer';

const tokenRequest = z.strictObject({
  sub: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes, underscores or @'),
  role: z.enum(roles),
});

export interface WebServerOptions {
  port: number;
  /** The built app (infra/web/build-web-app.ts, buildWebApp's outDir). */
  root: string;
  apiUrl: string;
  /** The local S3 endpoint: presigned upload URLs point there. */
  s3Endpoint: string;
  /** The distribution's viewer-request function: which file a path is served from. */
  viewerRequest: ViewerRequestFunction;
  /**
   * How the app signs in: the local issuer (default), or an OAuth server in Cognito's shape,
   * which the browser tests stand up to run the deployed sign-in code.
   */
  auth?: AuthConfig;
  /** The local data directory whose issuer key signs /local-auth/token's tokens (default: localDataDir()). */
  dataDir?: string;
  /** The local SES's page of sent mail, linked from the order confirmation notice. */
  mailbox?: string;
  /** The local user pool (aws/cognito/): shoppers sign up and sign in with its Cognito API. */
  userPool?: { endpoint: string; clientId: string };
}

export interface RunningWebServer {
  url: string;
  stop(): Promise<void>;
}

export async function startWebServer({
  port,
  root,
  apiUrl,
  s3Endpoint,
  viewerRequest,
  userPool,
  auth = { mode: 'local', tokenUrl: '/local-auth/token', ...(userPool ? { userPool } : {}) },
  dataDir,
  mailbox,
}: WebServerOptions): Promise<RunningWebServer> {
  let url = `http://127.0.0.1:${port}`;
  // What the page may connect to: the local API and the local S3 (uploads). Deployed, the same
  // function is called with the AWS domains instead (services/web/add-security-headers.ts).
  const connectSources = [
    apiUrl,
    s3Endpoint,
    ...(auth.mode === 'cognito' ? [auth.domain] : auth.userPool ? [auth.userPool.endpoint] : []),
  ];
  const headers = securityHeaders({ connectSources: connectSources.map((url) => new URL(url).origin) });
  const config: RuntimeConfig = { apiUrl, auth, ...(mailbox ? { mailbox } : {}) };

  const files = sirv(root, {
    etag: true,
    dotfiles: false,
    setHeaders: (res, pathname) => res.setHeader('cache-control', cacheControlFor(pathname)),
  });

  const json = (res: ServerResponse, status: number, body: unknown, cacheControl = 'no-store') => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': cacheControl });
    res.end(JSON.stringify(body));
  };

  // Errors are the API's shape ({"error": {code, message, details}}), thrown as the API's HttpError.
  const onlyMethods = (req: IncomingMessage, res: ServerResponse, allowed: string[]) => {
    if (allowed.includes(req.method ?? '')) return;
    res.setHeader('allow', allowed.join(', '));
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `Use ${allowed[0]}`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const requested = new URL(req.url ?? '/', url);
    if (requested.pathname === '/config.json') return json(res, 200, config, cacheControlFor(requested.pathname));
    if (requested.pathname === '/local-auth/token' && auth.mode === 'local') {
      onlyMethods(req, res, ['POST']);
      let body: unknown;
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
      } catch {
        throw new HttpError(400, 'INVALID_JSON', 'The body is not JSON');
      }
      const { sub, role } = validate(tokenRequest, body, 'body');
      return json(res, 200, { token: signToken({ sub, role, dataDir }) });
    }
    onlyMethods(req, res, ['GET', 'HEAD']);
    // As at the edge: the route function picks the file before the bucket (here, the folder) is asked.
    req.url = viewerRequest({ uri: requested.pathname, method: req.method ?? 'GET' }).uri + requested.search;
    files(req, res, () => json(res, 404, errorBody('NOT_FOUND', 'No such file')));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else if (error instanceof HttpError)
        json(res, error.statusCode, errorBody(error.code, error.message, error.details));
      else json(res, 500, errorBody('INTERNAL', 'Local web server error'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  // Port 0 (tests) means "any free port": report the one the system chose.
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
