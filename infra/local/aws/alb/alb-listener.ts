/**
 * The local Application Load Balancer's listener: an HTTP server on 127.0.0.1 that routes each
 * request by the listener's rules (listener-rules.ts) and, for a rule that forwards to a Lambda
 * target group, invokes the function with the event ALB would send and turns its answer back
 * into HTTP, as ALB does: the multi-value form exactly when the target group has it enabled, a
 * 502 when the function fails or answers something that is not a response.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
 */
import { randomBytes } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Invocation } from '../../lambda/invoke';
import { route, type AlbListener, type AlbTarget } from './listener-rules';

/** ALB refuses larger request bodies to a Lambda target. */
export const maxRequestBodyBytes = 1024 * 1024;

const textTypes = /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

export interface AlbRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** Name, value, name, value… as received (Node's rawHeaders). */
  rawHeaders: string[];
  body: Buffer;
  remoteAddress: string;
  localPort: number;
}

/** The event ALB sends a Lambda target for this request. Query values stay as sent (not decoded). */
export function albEvent(request: AlbRequest, target: AlbTarget): Record<string, unknown> {
  const [path = '/', query = ''] = request.url.split(/\?(.*)/s);
  const headers: [string, string][] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    headers.push([request.rawHeaders[i]!.toLowerCase(), request.rawHeaders[i + 1]!]);
  }
  headers.push(
    ['x-amzn-trace-id', `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`],
    ['x-forwarded-for', request.remoteAddress],
    ['x-forwarded-port', String(request.localPort)],
    ['x-forwarded-proto', 'http'],
  );
  const parameters = query
    ? query.split('&').map((pair): [string, string] => {
        const [name = '', value = ''] = pair.split(/=(.*)/s);
        return [name, value];
      })
    : [];
  const contentType = headers.findLast(([name]) => name === 'content-type')?.[1] ?? '';
  const text = request.body.length === 0 || textTypes.test(contentType);
  const common = {
    requestContext: { elb: { targetGroupArn: target.targetGroupArn } },
    httpMethod: request.method,
    path,
    body: text ? request.body.toString('utf8') : request.body.toString('base64'),
    isBase64Encoded: !text,
  };
  if (target.multiValueHeaders) {
    return { ...common, multiValueQueryStringParameters: grouped(parameters), multiValueHeaders: grouped(headers) };
  }
  // Without multi-value headers ALB passes the last value of a repeated header or parameter.
  return { ...common, queryStringParameters: Object.fromEntries(parameters), headers: Object.fromEntries(headers) };
}

function grouped(pairs: [string, string][]): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const [name, value] of pairs) (groups[name] ??= []).push(value);
  return groups;
}

export interface HttpAnswer {
  statusCode: number;
  /** The reason phrase of the status line: the function's statusDescription, after its code. */
  statusMessage?: string;
  headers: [string, string][];
  body: Buffer;
}

const plain = (statusCode: number): HttpAnswer => ({
  statusCode,
  headers: [['content-type', 'text/plain; charset=utf-8']],
  body: Buffer.from(`${statusCode} ${STATUS_CODES[statusCode]}\n`),
});

/** The function's answer as ALB turns it into HTTP: only the header form the target group uses counts. */
export function httpAnswer(invocation: Invocation, target: AlbTarget): HttpAnswer {
  const result = invocation.payload as Record<string, unknown> | null;
  if (invocation.functionError || result === null || typeof result !== 'object') return plain(502);
  const statusCode = Number(result.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return plain(502);
  const headers: [string, string][] = target.multiValueHeaders
    ? Object.entries((result.multiValueHeaders ?? {}) as Record<string, unknown[]>).flatMap(([name, values]) =>
        values.map((value): [string, string] => [name, String(value)]),
      )
    : Object.entries((result.headers ?? {}) as Record<string, unknown>).map(([name, value]) => [name, String(value)]);
  const body = typeof result.body === 'string' ? result.body : '';
  const description = typeof result.statusDescription === 'string' ? result.statusDescription : '';
  const statusMessage = description.startsWith(`${statusCode} `) ? description.slice(4) : undefined;
  return {
    statusCode,
    ...(statusMessage ? { statusMessage } : {}),
    headers,
    body: Buffer.from(body, result.isBase64Encoded === true ? 'base64' : 'utf8'),
  };
}

type Invoke = (functionKey: string, event: unknown) => Promise<Invocation>;

export interface RunningListener {
  server: Server;
  /**
   * The listener's rules and the function host, once serverless.yml is read and the functions
   * run; until then every request gets a 503. No listener: every request gets a 404.
   */
  serve(listener: AlbListener | undefined, invoke: Invoke): void;
  /** Resolves once no invocation is in flight. */
  idle(): Promise<void>;
}

export async function startAlbListener(port: number): Promise<RunningListener> {
  let current: AlbListener | undefined;
  let invoke: Invoke | undefined;
  const inFlight = new Set<Promise<unknown>>();

  async function answer(request: IncomingMessage, body: Buffer): Promise<HttpAnswer> {
    if (!invoke) return plain(503);
    if (body.length > maxRequestBodyBytes) return plain(413);
    const path = (request.url ?? '/').split('?')[0]!;
    const action = current ? route(current, request.method ?? 'GET', path) : undefined;
    if (!action) return plain(404);
    if (action.kind === 'fixed-response') {
      return {
        statusCode: action.statusCode,
        headers: [['content-type', action.contentType]],
        body: Buffer.from(action.body),
      };
    }
    const event = albEvent(
      {
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        rawHeaders: request.rawHeaders,
        body,
        remoteAddress: request.socket.remoteAddress ?? '127.0.0.1',
        localPort: (request.socket.address() as AddressInfo).port,
      },
      action,
    );
    const invocation = invoke(action.functionKey, event);
    inFlight.add(invocation);
    try {
      return httpAnswer(await invocation, action);
    } finally {
      inFlight.delete(invocation);
    }
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit nothing more is kept: the answer is a 413 anyway.
      if (size <= maxRequestBodyBytes + 1) chunks.push(chunk);
    });
    request.on('end', () => {
      answer(request, Buffer.concat(chunks))
        .catch(() => plain(502))
        .then(({ statusCode, statusMessage, headers, body }) => {
          response.statusCode = statusCode;
          if (statusMessage) response.statusMessage = statusMessage;
          for (const [name, value] of headers) response.appendHeader(name, value);
          response.setHeader('content-length', body.length);
          response.end(request.method === 'HEAD' ? undefined : body);
        })
        .catch(() => response.destroy());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    server,
    serve(listener, host) {
      current = listener;
      invoke = host;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
