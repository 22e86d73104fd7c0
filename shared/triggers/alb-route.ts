/**
 * albRoutes: the wrapper for a function behind an Application Load Balancer (a target group of
 * type `lambda`), on the observed-handler core (observed-handler.ts). The load balancer sends every
 * request its listener rules forward, whatever the path and method, so the wrapper routes them:
 * an unknown path is a 404 and a known path with another method a 405 (with `Allow`), both as
 * JSON from the one error mapper (shared/http/). The answer is in ALB's shape: a status
 * description, and multi-value headers exactly when the request came with them (the target
 * group's `lambda.multi_value_headers.enabled`), since ALB reads only the form it sent.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
 */
import { STATUS_CODES } from 'node:http';
import type { Context } from 'aws-lambda';
import type * as z from '../zod';
import { errorBody, errorResponse } from '../http/error-response';
import { HttpError } from '../http/http-error';
import type { HttpResponse } from '../http/responses';
import { logger, metrics, MetricUnit } from '../observability';
import { observedHandler } from './observed-handler';
import { albSchema } from './schemas/alb';

export type AlbEvent = z.infer<typeof albSchema>;

export interface AlbRequest {
  method: string;
  path: string;
  /** Lower-cased names; a header sent more than once has its last value. */
  headers: Record<string, string | undefined>;
  context: Context;
}

/** What a target answers ALB: exactly one of `headers` and `multiValueHeaders`. */
export interface AlbResult {
  statusCode: number;
  statusDescription: string;
  isBase64Encoded: false;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
}

export type AlbRouteHandler = (request: AlbRequest) => Promise<HttpResponse>;

/** Routes by exact path, then by method: `{ '/ops/health': { GET: handler } }`. */
export type AlbRoutes = Record<string, Partial<Record<string, AlbRouteHandler>>>;

/** `503 Service Unavailable`: ALB puts it in the status line it answers the client with. */
export const statusDescription = (statusCode: number) => `${statusCode} ${STATUS_CODES[statusCode] ?? 'Unknown'}`;

export function toAlbResult({ statusCode, body, headers }: HttpResponse, multiValue: boolean): AlbResult {
  const all = { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers };
  return {
    statusCode,
    statusDescription: statusDescription(statusCode),
    isBase64Encoded: false,
    ...(multiValue
      ? { multiValueHeaders: Object.fromEntries(Object.entries(all).map(([name, value]) => [name, [value]])) }
      : { headers: all }),
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

function headersOf(event: AlbEvent): Record<string, string | undefined> {
  if (event.headers) return event.headers;
  return Object.fromEntries(
    Object.entries(event.multiValueHeaders ?? {}).map(([name, values]) => [name, values.at(-1)]),
  );
}

export function albRoutes(routes: AlbRoutes) {
  return observedHandler(async (rawEvent: unknown, context: Context): Promise<AlbResult> => {
    const parsed = albSchema.safeParse(rawEvent);
    if (!parsed.success) {
      // Only a misconfigured trigger sends something else; the caller is not at fault. Its form is
      // unknown, so the answer is in the single-value form.
      logger.error('Event is not an Application Load Balancer request', { issues: parsed.error.issues });
      metrics.addMetric('ServerError', MetricUnit.Count, 1);
      return toAlbResult({ statusCode: 500, body: errorBody('INTERNAL', 'Unexpected event', null) }, false);
    }
    const event = parsed.data;
    const multiValue = event.multiValueHeaders !== undefined;
    const methods = Object.hasOwn(routes, event.path) ? routes[event.path]! : undefined;
    // Unknown paths share one name in logs and metrics: a scanner must not mint a dimension each.
    const route = methods ? `${event.httpMethod} ${event.path}` : 'unmatched';
    logger.appendKeys({ route });
    const response = await respond(event, methods, context);
    if (response.statusCode >= 400 && response.statusCode < 500)
      logger.info('Request refused', { status: response.statusCode, error: response.body });
    const outcome = response.statusCode >= 500 ? 'ServerError' : response.statusCode >= 400 ? 'ClientError' : 'Success';
    metrics.addDimension('route', route);
    metrics.addMetric(outcome, MetricUnit.Count, 1);
    return toAlbResult(response, multiValue);
  });
}

async function respond(
  event: AlbEvent,
  methods: AlbRoutes[string] | undefined,
  context: Context,
): Promise<HttpResponse> {
  try {
    if (!methods) throw new HttpError(404, 'NOT_FOUND', `No route for ${event.path}`);
    const handle = Object.hasOwn(methods, event.httpMethod) ? methods[event.httpMethod] : undefined;
    if (!handle) {
      const allowed = Object.keys(methods);
      const message = `${event.path} answers ${allowed.join(', ')} only`;
      const refused = errorResponse(
        new HttpError(405, 'METHOD_NOT_ALLOWED', message, { allowed }),
        context.awsRequestId,
      );
      // RFC 9110: a 405 names the methods the resource supports.
      return { ...refused, headers: { allow: allowed.join(', ') } };
    }
    return await handle({ method: event.httpMethod, path: event.path, headers: headersOf(event), context });
  } catch (error) {
    return errorResponse(error, context.awsRequestId);
  }
}
