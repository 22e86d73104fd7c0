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
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sirv from 'sirv';
import { z } from 'zod';
import type { AuthConfig, RuntimeConfig } from '../../frontend/src/runtime-config';
import { securityHeaders } from '../../services/web/add-security-headers';
import { roles } from '../../shared/auth/caller';
import { cacheControlFor } from '../web/cache-control';
import type { ViewerRequestFunction } from './cloudfront-function';
import { signToken } from './local-issuer';
import { repoRoot } from './service-config';

const viteBin = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
export const viteConfig = join(repoRoot, 'frontend', 'vite.config.mts');

/**
 * Builds the app into `outDir` (each local stack has its own, so two stacks never share files).
 * `signal` stops the build when the stack's start is given up.
 */
export async function buildWebApp(outDir: string, signal?: AbortSignal): Promise<void> {
  try {
    await promisify(execFile)(
      process.execPath,
      [viteBin, 'build', '--config', viteConfig, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
      { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024, signal },
    );
  } catch (error) {
    const { stderr, stdout, message } = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`The web app did not build: ${(stderr || stdout || message).trim().slice(-4000)}`, {
      cause: error,
    });
  }
}

const tokenRequest = z.strictObject({
  sub: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes, underscores or @'),
  role: z.enum(roles),
});

export interface WebServerOptions {
  port: number;
  /** The built app (buildWebApp's outDir). */
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
  auth = { mode: 'local', tokenUrl: '/local-auth/token' },
}: WebServerOptions): Promise<RunningWebServer> {
  let url = `http://127.0.0.1:${port}`;
  // What the page may connect to: the local API and the local S3 (uploads). Deployed, the same
  // function is called with the AWS domains instead (services/web/add-security-headers.ts).
  const connectSources = [apiUrl, s3Endpoint, ...(auth.mode === 'cognito' ? [auth.domain] : [])];
  const headers = securityHeaders({ connectSources: connectSources.map((url) => new URL(url).origin) });
  const config: RuntimeConfig = { apiUrl, auth };

  const files = sirv(root, {
    etag: true,
    dotfiles: false,
    setHeaders: (res, pathname) => res.setHeader('cache-control', cacheControlFor(pathname)),
  });

  const json = (res: ServerResponse, status: number, body: unknown, cacheControl = 'no-store') => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': cacheControl });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const path = new URL(req.url ?? '/', url).pathname;
    if (path === '/config.json') return json(res, 200, config, cacheControlFor(path));
    if (path === '/local-auth/token' && auth.mode === 'local') {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        return json(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Use POST', details: null } });
      }
      let body: unknown;
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
      } catch {
        return json(res, 400, { error: { code: 'INVALID_JSON', message: 'The body is not JSON', details: null } });
      }
      const parsed = tokenRequest.safeParse(body);
      if (!parsed.success) {
        const details = parsed.error.issues.map((i) => ({ field: `body.${i.path.join('.')}`, message: i.message }));
        const fields = details.map((d) => d.field).join(', ');
        return json(res, 400, { error: { code: 'VALIDATION_FAILED', message: `Invalid ${fields}`, details } });
      }
      return json(res, 200, { token: signToken({ sub: parsed.data.sub, role: parsed.data.role }) });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return json(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Use GET', details: null } });
    }
    // As at the edge: the route function picks the file before the bucket (here, the folder) is asked.
    const requested = new URL(req.url ?? '/', url);
    req.url = viewerRequest({ uri: requested.pathname, method: req.method }).uri + requested.search;
    files(req, res, () => json(res, 404, { error: { code: 'NOT_FOUND', message: 'No such file', details: null } }));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent)
        json(res, 500, { error: { code: 'INTERNAL', message: 'Local web server error', details: null } });
      else res.destroy();
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
