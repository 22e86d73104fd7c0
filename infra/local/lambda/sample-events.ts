/**
 * The event a function's trigger would send it, for `npm run invoke` without --event: AWS's own
 * sample for that trigger (tests/fixtures/events/) with the local names filled in. The function's
 * first trigger decides: each of its `events` in order, then the resources that name it (a bucket's
 * notification, a custom resource). A service module answers for its own triggers (its
 * `sampleEvent`); the ones no module runs yet are here: API Gateway (serverless-offline serves
 * it), DynamoDB and Kinesis streams, CloudFront, CloudFormation custom resources.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, type ServiceConfig } from '../../service-config';
import type { LocalService, SampleEventRequest } from '../aws/local-service';
import { localAccountId, localIntrinsics, type LocalResource } from '../local-resources';
import { functionArn, referencedFunctionKey } from './invoke';

/** A trigger kind no service module answers for (yet): the same hook as LocalService's. */
export interface SampleEventSource {
  readonly name: string;
  sampleEvent(request: SampleEventRequest): unknown;
}

type Json = Record<string, unknown>;

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as unknown;

export function readFixture(name: string): unknown {
  return readJson(join(repoRoot, 'tests', 'fixtures', 'events', name));
}

/** `httpApi: { method, path }`, or its short forms `'GET /path'` and `'*'`. */
function route(declared: unknown): { method: string; path: string; authorized: boolean } {
  if (typeof declared === 'string') {
    const [method = 'ANY', path = '/'] = declared === '*' ? [] : declared.split(' ');
    return { method, path, authorized: false };
  }
  const {
    method = 'ANY',
    path = '/',
    authorizer,
  } = declared as { method?: string; path?: string; authorizer?: unknown };
  return { method, path, authorized: authorizer !== undefined };
}

const httpApi: SampleEventSource = {
  name: 'API Gateway (HTTP API)',
  sampleEvent({ declared, fixture }) {
    if (!declared || !('httpApi' in declared)) return undefined;
    const { method, path, authorized } = route(declared.httpApi);
    const event = fixture(
      authorized ? 'apigw-v2-request-jwt-authorizer.json' : 'apigw-v2-request-no-authorizer.json',
    ) as Json & { requestContext: Json & { http: Json } };
    // Path parameters get a placeholder value each: `/products/{sku}` → `/products/sample`.
    const pathParameters: Record<string, string> = {};
    const rawPath = path.replace(/\{(\w+)\+?\}/g, (_, name: string) => (pathParameters[name] = 'sample'));
    const verb = method.toUpperCase() === 'ANY' || method === '*' ? 'GET' : method.toUpperCase();
    const routeKey = path === '/' && method === 'ANY' ? '$default' : `${method.toUpperCase()} ${path}`;
    Object.assign(event, { routeKey, rawPath, rawQueryString: '' });
    delete event.queryStringParameters;
    delete event.body;
    if (Object.keys(pathParameters).length) event.pathParameters = pathParameters;
    else delete event.pathParameters;
    Object.assign(event.requestContext, { routeKey });
    Object.assign(event.requestContext.http, { method: verb, path: rawPath });
    return event;
  },
};

const streams: SampleEventSource = {
  name: 'DynamoDB and Kinesis streams',
  sampleEvent({ declared, fixture, intrinsics, region }) {
    if (!declared || !('stream' in declared)) return undefined;
    const source = declared.stream as { arn?: unknown; type?: string } | string;
    const arn = String(intrinsics.resolve(typeof source === 'string' ? source : source.arn));
    const type = (typeof source === 'object' ? source.type : undefined) ?? arn.split(':')[2];
    if (type !== 'dynamodb' && type !== 'kinesis') return undefined;
    const event = fixture(`${type}-event.json`) as { Records: Json[] } & Json;
    for (const record of event.Records) Object.assign(record, { eventSourceARN: arn, awsRegion: region });
    const window =
      typeof source === 'object' ? (source as { tumblingWindowInSeconds?: number }).tumblingWindowInSeconds : 0;
    if (window) {
      // A mapping with a tumbling window adds these; the sample is its window's last invocation.
      const start = Math.floor(Date.now() / 1000 / window) * window * 1000;
      const eventId = event.Records[0]?.eventID;
      const shardId = typeof eventId === 'string' ? eventId.split(':')[0] : 'shardId-000000000000';
      Object.assign(event, {
        window: { start: new Date(start).toISOString(), end: new Date(start + window * 1000).toISOString() },
        state: {},
        shardId,
        eventSourceARN: arn,
        isFinalInvokeForWindow: true,
        isWindowTerminatedEarly: false,
      });
    }
    return event;
  },
};

const cloudFront: SampleEventSource = {
  name: 'CloudFront (Lambda@Edge)',
  sampleEvent({ declared, fixture }) {
    if (!declared || !('cloudFront' in declared)) return undefined;
    const { eventType = 'origin-request' } = declared.cloudFront as { eventType?: string };
    const event = fixture(eventType.endsWith('response') ? 'cloudfront-response.json' : 'cloudfront-request.json') as {
      Records?: unknown;
      records?: unknown;
    };
    // The response sample comes from Go test data, which spells the key `records`; CloudFront sends `Records`.
    return { Records: event.Records ?? event.records };
  },
};

/**
 * The placeholder ResponseURL of a sample custom resource request: `npm run invoke` puts a local
 * address of its own there, to show what CloudFormation would have been answered.
 */
export const localResponseUrl = 'http://127.0.0.1/cloudformation-response';

const customResource: SampleEventSource = {
  name: 'CloudFormation custom resource',
  sampleEvent({ declared, config, region, functionKey, fixture, intrinsics }) {
    if (declared) return undefined;
    const found = Object.entries(config.resources.Resources).find(
      ([, resource]) =>
        (resource.Type.startsWith('Custom::') || resource.Type === 'AWS::CloudFormation::CustomResource') &&
        referencedFunctionKey(resource.Properties?.ServiceToken, config) === functionKey,
    );
    if (!found) return undefined;
    const [logicalId, resource] = found;
    // What the local stack can resolve is resolved; the rest (the RDS instance's name) stays as declared.
    const properties = Object.fromEntries(
      Object.entries(resource.Properties ?? {}).map(([name, value]) => {
        try {
          return [name, intrinsics.resolve(value)];
        } catch {
          return [name, value];
        }
      }),
    );
    return {
      ...(fixture('cloudformation-custom-resource-request.json') as Json),
      RequestType: 'Create',
      ServiceToken: functionArn(config, functionKey),
      ResponseURL: localResponseUrl,
      StackId: `arn:aws:cloudformation:${region}:${localAccountId}:stack/${config.service}-${config.provider.stage}/local`,
      RequestId: randomUUID(),
      ResourceType: resource.Type,
      LogicalResourceId: logicalId,
      ResourceProperties: { ...properties, ServiceToken: functionArn(config, functionKey) },
    };
  },
};

/** The triggers no service module runs yet. A module's own answer comes first. */
export const builtInSamples: readonly SampleEventSource[] = [httpApi, streams, cloudFront, customResource];

export interface SampleEvent {
  event: unknown;
  /** Which trigger it stands for, e.g. `sqs`, `S3 notification`. */
  trigger: string;
}

/**
 * The default event of `functionKey`: from its first trigger a module or a built-in sample knows,
 * or undefined when none does (then --event is needed).
 */
export function sampleEventFor(
  functionKey: string,
  options: {
    config: ServiceConfig;
    resources: Map<string, LocalResource>;
    services: readonly Pick<LocalService, 'name' | 'sampleEvent'>[];
    fixture?: (name: string) => unknown;
  },
): SampleEvent | undefined {
  const { config, resources, services } = options;
  const sources = [...services, ...builtInSamples];
  // A function whose trigger's AWS sample is not about the shop's data (a DynamoDB stream of
  // another table, Firehose records of another schema) has its own copy of that sample, with the
  // shop's data, in tests/fixtures/events/functions/<function>.json; the trigger fills in the
  // local names as for AWS's.
  const ownSample = join(repoRoot, 'tests', 'fixtures', 'events', 'functions', `${functionKey}.json`);
  const fixture =
    options.fixture ?? ((name: string) => (existsSync(ownSample) ? readJson(ownSample) : readFixture(name)));
  const base = {
    config,
    region: config.provider.region,
    functionKey,
    resources,
    intrinsics: localIntrinsics(config, resources),
    fixture,
  };
  const declaredEvents = (config.functions[functionKey]?.events ?? []) as Record<string, unknown>[];
  for (const declared of [...declaredEvents, undefined]) {
    for (const source of sources) {
      const event = source.sampleEvent?.({ ...base, ...(declared ? { declared } : {}) });
      if (event !== undefined) {
        return { event, trigger: declared ? Object.keys(declared)[0]! : source.name };
      }
    }
  }
  return undefined;
}
