/**
 * The local S3's front door. s3rver (local-s3.ts) keeps S3's API on the local disk, but it checks
 * no SigV4 signature and serves anonymous requests, so locally nothing would show that the
 * presigned upload is what protects the uploads bucket. This front listens where the functions,
 * scripts and browser reach S3 and passes on to s3rver only what S3 would serve for Shelf's
 * buckets (private, Block Public Access on, ACLs disabled: infra/resources/storage.yml):
 *
 * - requests signed in the Authorization header (the SDK's clients) or presigned in the query
 *   string, their signature computed again with the SDK's signer (s3-signature.ts);
 * - POST object form uploads whose signed policy holds (s3-post-object.ts); the file waits in
 *   `spoolDir` until it is whole and within the policy's content-length-range, so s3rver never
 *   stores, or announces, an upload S3 would refuse;
 * - CORS preflights (OPTIONS), which S3 answers without credentials.
 *
 * Everything else gets S3's XML error: anonymous requests AccessDenied, an `x-amz-acl` other than
 * bucket-owner-full-control AccessControlListNotSupported even when signed (ACLs are disabled on
 * every bucket S3 has created since April 2023, and storage.yml says so). Not checked: the body
 * against `x-amz-content-sha256`, and the region a credential names.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { checkPostPolicy, fileContent, formBoundary, readFormHead } from './s3-post-object';
import {
  accessDenied,
  authorizationMechanism,
  checkHeaderSignature,
  checkQuerySignature,
  parseQuery,
  S3Refusal,
  type S3Request,
  type Secrets,
} from './s3-signature';

export interface S3FrontOptions {
  port: number;
  /** Where s3rver listens. */
  upstream: { host: string; port: number };
  secrets: Secrets;
  /** Where POST uploads wait while they are checked. */
  spoolDir: string;
  /** The bucket's CORS headers for this origin and method, so a browser can read a refusal. */
  corsHeaders?: (bucket: string, origin: string, method: string) => Promise<Record<string, string>>;
}

export interface S3Front {
  url: string;
  stop(): Promise<void>;
}

/** Element text needs only these three escaped (S3 leaves quotes as they are). */
const escapeXml = (text: string) => text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);

/** S3's error document. */
export function errorXml(refusal: S3Refusal, requestId: string, resource: string): string {
  const elements = {
    Code: refusal.code,
    Message: refusal.message,
    ...refusal.details,
    Resource: resource,
    RequestId: requestId,
  };
  const body = Object.entries(elements)
    .map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${body}</Error>`;
}

/** Headers that belong to one connection, not to the request passed on. */
const hopByHop = new Set(['connection', 'keep-alive', 'expect', 'transfer-encoding', 'proxy-connection', 'upgrade']);

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !hopByHop.has(name)));
}

/** With ACLs disabled S3 takes no ACL but the one that says the bucket owner owns the object. */
function refuseAcl(acl: string | undefined, grants: string[]) {
  if ((acl !== undefined && acl !== 'bucket-owner-full-control') || grants.length) {
    throw new S3Refusal(400, 'AccessControlListNotSupported', 'The bucket does not allow ACLs');
  }
}

function refuseRequestAcl(request: S3Request) {
  // Presigned URLs carry x-amz-* parameters in the query, which S3 reads as headers.
  const amz = new Map<string, string>([
    ...request.query
      .filter(([name]) => name.toLowerCase().startsWith('x-amz-'))
      .map(([n, v]) => [n.toLowerCase(), v] as const),
    ...Object.entries(request.headers).flatMap(([name, value]) =>
      name.startsWith('x-amz-') ? [[name, String(value)] as const] : [],
    ),
  ]);
  const grants = [...amz.keys()].filter((name) => name.startsWith('x-amz-grant-'));
  const settingAcl = request.method === 'PUT' && request.query.some(([name]) => name === 'acl');
  refuseAcl(settingAcl ? (amz.get('x-amz-acl') ?? 'private') : amz.get('x-amz-acl'), grants);
}

/** A browser form upload (POST object): a multipart POST to the bucket itself. */
function isFormUpload(request: S3Request, segments: string[]): boolean {
  const type = request.headers['content-type'] ?? '';
  return (
    request.method === 'POST' &&
    !!segments[1] &&
    !segments[2] &&
    segments.length <= 3 &&
    /^multipart\/form-data/i.test(type)
  );
}

export async function startS3Front(options: S3FrontOptions): Promise<S3Front> {
  mkdirSync(options.spoolDir, { recursive: true });
  const agent = new Agent({ keepAlive: true });

  /** Passes the request on to s3rver and its answer back; `body` replaces the request's own. */
  function forward(req: IncomingMessage, res: ServerResponse, body?: { stream: Readable; length: number }) {
    return new Promise<void>((resolve) => {
      const headers = withoutHopByHop(req.headers);
      if (body) headers['content-length'] = String(body.length);
      else if (req.headers['transfer-encoding']) headers['transfer-encoding'] = req.headers['transfer-encoding'];
      const upstream = httpRequest(
        { host: options.upstream.host, port: options.upstream.port, method: req.method, path: req.url, headers, agent },
        (response) => {
          res.writeHead(response.statusCode ?? 502, withoutHopByHop(response.headers));
          pipeline(response, res, () => resolve());
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
        resolve();
      });
      pipeline(body?.stream ?? req, upstream, () => undefined);
    });
  }

  async function refuse(
    req: IncomingMessage,
    res: ServerResponse,
    refusal: S3Refusal,
    bucket: string,
    requestId: string,
  ) {
    if (res.headersSent) return void res.destroy();
    const headers: Record<string, string> = {
      'content-type': 'application/xml',
      'x-amz-request-id': requestId,
      'x-amz-id-2': randomBytes(24).toString('base64'),
    };
    const origin = req.headers.origin;
    if (origin && bucket && options.corsHeaders) {
      Object.assign(headers, await options.corsHeaders(bucket, origin, req.method ?? 'GET').catch(() => ({})));
    }
    // A client waiting for "100 Continue" sends no body: this connection cannot carry another request.
    if (req.headers.expect) headers.connection = 'close';
    const body = req.method === 'HEAD' ? '' : errorXml(refusal, requestId, (req.url ?? '/').split('?')[0]!);
    res.writeHead(refusal.status, headers).end(body);
    // What is left of a body that was not read (an upload refused part-way) is let through unread.
    if (!req.complete) req.resume();
  }

  /** POST object: the policy first, then the file, held until it is whole and the right size. */
  async function postObject(req: IncomingMessage, res: ServerResponse, bucket: string, expectsContinue: boolean) {
    const boundary = formBoundary(req.headers['content-type']);
    if (expectsContinue) res.writeContinue();
    const body = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const form = await readFormHead(body, boundary);
    const range = await checkPostPolicy(form.fields, bucket, options.secrets, new Date());
    refuseAcl(form.fields.find((f) => f.name.toLowerCase() === 'acl')?.value, []);

    const closing = Buffer.from(`\r\n--${boundary}--\r\n`);
    const tooLarge = (size: number) =>
      new S3Refusal(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
        ProposedSize: size,
        MaxSizeAllowed: range!.maxBytes,
      });
    // The size the body's length leaves for the file: too much is refused before it is read.
    const declared = Number(req.headers['content-length']);
    if (range && Number.isFinite(declared) && declared - form.head.length - closing.length > range.maxBytes) {
      throw tooLarge(declared - form.head.length - closing.length);
    }
    const spool = join(options.spoolDir, randomUUID());
    try {
      const file = createWriteStream(spool);
      let size = 0;
      try {
        for await (const piece of fileContent(form.rest, body, boundary)) {
          size += piece.length;
          if (range && size > range.maxBytes) throw tooLarge(size);
          if (!file.write(piece)) await once(file, 'drain');
        }
      } finally {
        file.end();
        await finished(file);
      }
      if (range && size < range.minBytes) {
        throw new S3Refusal(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
          ProposedSize: size,
          MinSizeAllowed: range.minBytes,
        });
      }
      // s3rver gets the form as sent, up to the file, then the file and the closing delimiter.
      const parts = async function* () {
        yield form.head;
        yield* createReadStream(spool) as AsyncIterable<Buffer>;
        yield closing;
      };
      await forward(req, res, { stream: Readable.from(parts()), length: form.head.length + size + closing.length });
    } finally {
      await rm(spool, { force: true });
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    const url = req.url ?? '/';
    const at = url.indexOf('?');
    const rawPath = at < 0 ? url : url.slice(0, at);
    const segments = rawPath.split('/');
    let bucket = '';
    try {
      bucket = decodeURIComponent(segments[1] ?? '');
      const request: S3Request = {
        method: req.method ?? 'GET',
        rawPath,
        query: parseQuery(at < 0 ? '' : url.slice(at + 1)),
        headers: req.headers,
      };
      if (request.method === 'OPTIONS') return await forward(req, res);
      const mechanism = authorizationMechanism(request);
      if (mechanism === 'header') await checkHeaderSignature(request, options.secrets, new Date());
      else if (mechanism === 'query') await checkQuerySignature(request, options.secrets, new Date());
      else if (isFormUpload(request, segments)) return await postObject(req, res, bucket, expectsContinue);
      else throw accessDenied();
      refuseRequestAcl(request);
      if (expectsContinue) res.writeContinue();
      await forward(req, res);
    } catch (error) {
      const refusal =
        error instanceof S3Refusal
          ? error
          : new S3Refusal(500, 'InternalError', `We encountered an internal error: ${(error as Error).message}`);
      await refuse(req, res, refusal, bucket, requestId);
    }
  }

  const server = createServer((req, res) => void serve(req, res, false));
  // Checked before the body is asked for: a refused client never sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => void serve(req, res, true));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${options.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
