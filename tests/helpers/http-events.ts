/**
 * HTTP API (payload 2.0) events for handler tests, built from AWS's own sample events
 * (tests/fixtures/events/, copied from ../shared/aws-sample-events/) with the route's details
 * filled in, the way API Gateway would send them: claims as strings, headers lower-cased.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import type { Role } from '../../shared/auth/caller';
import jwtSample from '../fixtures/events/apigw-v2-request-jwt-authorizer.json';
import publicSample from '../fixtures/events/apigw-v2-request-no-authorizer.json';

export interface HttpEventOptions {
  method: string;
  /** The route as declared in serverless.yml, e.g. "/products/{sku}". */
  route: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** A raw body string, sent as it is (for malformed JSON). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Signed-in caller; omit for an anonymous request to a public route. */
  caller?: { sub: string; role: Role; email?: string };
}

export function httpEvent(options: HttpEventOptions): APIGatewayProxyEventV2WithJWTAuthorizer {
  const sample = structuredClone(
    options.caller ? jwtSample : publicSample,
  ) as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
  const routeKey = `${options.method} ${options.route}`;
  const path = options.route.replace(/\{(\w+)\}/g, (_, name: string) => options.pathParameters?.[name] ?? '');
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const event: APIGatewayProxyEventV2WithJWTAuthorizer = {
    ...sample,
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query).toString(),
    headers: {
      ...sample.headers,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    queryStringParameters: options.query,
    pathParameters: options.pathParameters,
    body,
    isBase64Encoded: false,
    requestContext: {
      ...sample.requestContext,
      routeKey,
      http: { ...sample.requestContext.http, method: options.method, path },
    },
  };
  if (options.caller) {
    event.requestContext.authorizer = {
      principalId: '',
      integrationLatency: 0,
      jwt: {
        // API Gateway passes every claim as a string, lists included.
        claims: {
          sub: options.caller.sub,
          'cognito:groups': `[${options.caller.role}]`,
          token_use: 'id',
          ...(options.caller.email ? { email: options.caller.email, email_verified: 'true' } : {}),
        },
        scopes: [],
      },
    };
  }
  if (body === undefined) delete event.body;
  if (!options.query) delete event.queryStringParameters;
  if (!options.pathParameters) delete event.pathParameters;
  return event;
}

export function lambdaContext(overrides: Partial<Context> = {}): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'shelf-test-fn',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:shelf-test-fn',
    memoryLimitInMB: '512',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: '/aws/lambda/shelf-test-fn',
    logStreamName: '2026/11/28/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
    ...overrides,
  };
}

export interface ParsedResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Runs a handler and parses its JSON body. */
export async function invoke(
  handler: (event: unknown, context: Context) => Promise<{ statusCode?: number; headers?: unknown; body?: string }>,
  event: unknown,
  context: Context = lambdaContext(),
): Promise<ParsedResponse> {
  const result = await handler(event, context);
  return {
    statusCode: result.statusCode ?? 0,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: result.body ? (JSON.parse(result.body) as unknown) : undefined,
  };
}
