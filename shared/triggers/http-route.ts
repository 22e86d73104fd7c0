/**
 * httpRoute: the wrapper every API Gateway (HTTP API, payload 2.0) handler uses, written once, on
 * the observed-handler core (observed-handler.ts). It validates the event with the schema below,
 * checks the caller's role, parses and validates the JSON body, path and query with
 * zod, runs the route, and maps the result or the error to a response. Handlers stay a few lines
 * long: validate, call one domain function, map.
 */
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from '../zod';
import { callerFromClaims, callerIdProblem, type Caller, type Role } from '../auth/caller';
import { errorBody, errorResponse } from '../http/error-response';
import { HttpError } from '../http/http-error';
import type { HttpResponse } from '../http/responses';
import { logger, metrics, MetricUnit, tracer } from '../observability';
import { observedHandler } from './observed-handler';

/**
 * Request bodies above this are refused before parsing (the API has no large uploads; S3 does).
 * A route that needs more says so with its own `maxBodyBytes` (POST /events: a batch of clicks).
 */
export const maxBodyBytes = 64 * 1024;

// The Powertools parser's APIGatewayProxyEventV2Schema (schemas/api-gatewayv2), written again with
// zod/mini: the parser's schemas are classic zod, which would bring all of classic zod into every
// API function's bundle. Loosened only where serverless-offline differs from API Gateway (it
// sends null for an absent body or query string, may omit the user agent, and always adds an
// authorizer object: claims are read and checked by callerFromClaims instead) and where AWS's
// own sample event has a placeholder (sourceIp "IP"); Shelf reads neither.
const stringRecord = z.record(z.string(), z.string());
const httpApiEventSchema = z.object({
  version: z.string(),
  routeKey: z.string(),
  rawPath: z.string(),
  rawQueryString: z.string(),
  cookies: z.optional(z.array(z.string())),
  headers: stringRecord,
  queryStringParameters: z.nullish(stringRecord),
  requestContext: z.object({
    accountId: z.string(),
    apiId: z.string(),
    authorizer: z.nullish(
      z.looseObject({ jwt: z.nullish(z.looseObject({ claims: z.nullish(z.record(z.string(), z.unknown())) })) }),
    ),
    authentication: z.nullish(
      z.object({
        clientCert: z.optional(
          z.object({
            clientCertPem: z.string(),
            subjectDN: z.string(),
            issuerDN: z.string(),
            serialNumber: z.string(),
            validity: z.object({ notBefore: z.string(), notAfter: z.string() }),
          }),
        ),
      }),
    ),
    domainName: z.string(),
    domainPrefix: z.string(),
    http: z.object({
      method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']),
      path: z.string(),
      protocol: z.string(),
      sourceIp: z.string(),
      userAgent: z.optional(z.string()),
    }),
    requestId: z.string(),
    routeKey: z.string(),
    stage: z.string(),
    time: z.string(),
    timeEpoch: z.number(),
  }),
  body: z.nullish(z.string()),
  pathParameters: z.nullish(stringRecord),
  isBase64Encoded: z.boolean(),
  stageVariables: z.nullish(stringRecord),
});
type HttpApiEvent = z.infer<typeof httpApiEventSchema>;

// Any zod schema, mini or classic (zod/mini's functions take both).
type Schema = z.core.$ZodType | undefined;
type Output<S extends Schema> = S extends z.core.$ZodType ? z.output<S> : undefined;

export interface RouteSpec<
  B extends Schema,
  P extends Schema,
  Q extends Schema,
  R extends readonly Role[] | undefined,
> {
  /** Roles allowed to call the route; omit for a public route. */
  roles?: R;
  body?: B;
  path?: P;
  query?: Q;
  /** The largest body this route accepts, in bytes; `maxBodyBytes` (64 KiB) when omitted. */
  maxBodyBytes?: number;
}

export interface RouteRequest<B extends Schema, P extends Schema, Q extends Schema, R> {
  body: Output<B>;
  path: Output<P>;
  query: Output<Q>;
  caller: R extends readonly Role[] ? Caller : undefined;
  headers: Record<string, string | undefined>;
  /** The caller's address as API Gateway saw it (requestContext.http.sourceIp). */
  sourceIp: string;
  context: Context;
}

export function validate<S extends z.core.$ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
  const fields = [...new Set(details.map((d) => d.field || prefix))].join(', ');
  throw new HttpError(400, 'VALIDATION_FAILED', `Invalid ${fields}`, details);
}

function readJsonBody(event: HttpApiEvent, limit: number): unknown {
  if (event.body === undefined || event.body === null || event.body === '') {
    throw new HttpError(400, 'BODY_REQUIRED', 'The request needs a JSON body');
  }
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw) > limit) {
    throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `The body must be at most ${limit} bytes`);
  }
  const contentType = event.headers['content-type'] ?? '';
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'MALFORMED_JSON', 'The body is not valid JSON');
  }
}

function authorize(event: HttpApiEvent, roles: readonly Role[]): Caller {
  // API Gateway's JWT authorizer has already checked the token; this is defence in depth and
  // the place where roles (Cognito groups) are enforced.
  const caller = callerFromClaims(event.requestContext.authorizer?.jwt?.claims ?? undefined);
  if (!caller) throw new HttpError(401, 'UNAUTHORIZED', 'Sign in to use this route');
  const idProblem = callerIdProblem(caller.id);
  if (idProblem) {
    throw new HttpError(400, 'VALIDATION_FAILED', 'Invalid token.sub', [{ field: 'token.sub', message: idProblem }]);
  }
  if (!roles.some((role) => caller.roles.includes(role))) {
    throw new HttpError(403, 'FORBIDDEN', `This route is for: ${roles.join(', ')}`);
  }
  return caller;
}

function toResult({ statusCode, body, headers }: HttpResponse): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

export function httpRoute<
  B extends Schema = undefined,
  P extends Schema = undefined,
  Q extends Schema = undefined,
  const R extends readonly Role[] | undefined = undefined,
>(spec: RouteSpec<B, P, Q, R>, route: (request: RouteRequest<B, P, Q, R>) => Promise<HttpResponse>) {
  return observedHandler(async (rawEvent: unknown, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const parsed = httpApiEventSchema.safeParse(rawEvent);
    if (!parsed.success) {
      // Only a misconfigured trigger sends something else; the caller is not at fault.
      logger.error('Event is not an HTTP API payload 2.0 event', { issues: parsed.error.issues });
      metrics.addMetric('ServerError', MetricUnit.Count, 1);
      return toResult({ statusCode: 500, body: errorBody('INTERNAL', 'Unexpected event', null) });
    }
    const event = parsed.data;
    logger.appendKeys({ route: event.routeKey, requestId: event.requestContext.requestId });
    const response = await respond(event, context);
    const outcome = response.statusCode >= 500 ? 'ServerError' : response.statusCode >= 400 ? 'ClientError' : 'Success';
    metrics.addDimension('route', event.routeKey);
    metrics.addMetric(outcome, MetricUnit.Count, 1);
    return toResult(response);
  });

  async function respond(event: HttpApiEvent, context: Context): Promise<HttpResponse> {
    tracer.putAnnotation('route', event.routeKey);
    try {
      const caller = spec.roles ? authorize(event, spec.roles) : undefined;
      const request = {
        body: spec.body
          ? validate(spec.body, readJsonBody(event, spec.maxBodyBytes ?? maxBodyBytes), 'body')
          : undefined,
        path: spec.path ? validate(spec.path, event.pathParameters ?? {}, '') : undefined,
        query: spec.query ? validate(spec.query, event.queryStringParameters ?? {}, '') : undefined,
        caller,
        headers: event.headers,
        sourceIp: event.requestContext.http.sourceIp,
        context,
      } as RouteRequest<B, P, Q, R>;
      return await route(request);
    } catch (error) {
      const response = errorResponse(error, event.requestContext.requestId);
      if (response.statusCode < 500)
        logger.info('Request refused', { status: response.statusCode, error: response.body });
      return response;
    }
  }
}
