// npm run invoke (infra/local/invoke.ts): its arguments, the function it picks, and the default
// event for each kind of trigger, checked against the Powertools parser schema the handlers
// validate with (the HTTP one by running the health handler itself).
import { DynamoDBStreamSchema } from '@aws-lambda-powertools/parser/schemas/dynamodb';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { KinesisDataStreamSchema } from '@aws-lambda-powertools/parser/schemas/kinesis';
import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { services } from '../../../infra/local/aws/services';
import { eventFor, findFunction, parseInvokeArgs, usage } from '../../../infra/local/invoke';
import { localResponseUrl, sampleEventFor } from '../../../infra/local/lambda/sample-events';
import type { LocalResource } from '../../../infra/local/local-resources';
import type { ServiceConfig } from '../../../infra/service-config';
import { handler as getHealth } from '../../../services/health/get-health';
import { customResourceRequestSchema } from '../../../shared/triggers/custom-resource';
import { invoke } from '../../helpers/http-events';
import { bucket, localResources, queueArn, serviceConfig } from './aws/import-pipeline';

const auditStream = 'arn:aws:dynamodb:us-east-1:000000000000:table/shelf-local-audit/stream/2026-03-01T10:00:00.000';
const clicks = 'arn:aws:kinesis:us-east-1:000000000000:stream/shelf-local-clicks';

/** The import pipeline's functions, and one of each other trigger the sample events know. */
function config(): ServiceConfig {
  const c = serviceConfig();
  Object.assign(c.functions, {
    getHealth: { handler: 'h.handler', events: [{ httpApi: { method: 'GET', path: '/health' } }] },
    getProduct: {
      handler: 'g.handler',
      events: [{ httpApi: { method: 'GET', path: '/products/{sku}', authorizer: { name: 'cognito' } } }],
    },
    projectCatalog: {
      handler: 'p.handler',
      name: 'shelf-local-projectCatalog',
      events: [{ schedule: 'rate(1 minute)' }],
    },
    auditCatalog: {
      handler: 'a.handler',
      events: [{ stream: { type: 'dynamodb', arn: { 'Fn::GetAtt': ['AuditTable', 'StreamArn'] } } }],
    },
    countViews: { handler: 'c.handler', events: [{ stream: clicks }] },
    addSecurityHeaders: { handler: 'w.handler', events: [{ cloudFront: { eventType: 'viewer-response' } }] },
    migrateDatabase: { handler: 'm.handler', name: 'shelf-local-migrateDatabase' },
    internal: { handler: 'i.handler', events: [{ alb: { listenerArn: 'arn', priority: 1, conditions: {} } }] },
  });
  Object.assign(c.resources.Resources, {
    DatabaseMigrations: {
      Type: 'Custom::DatabaseMigrations',
      Properties: {
        ServiceToken: { 'Fn::GetAtt': ['MigrateDatabaseLambdaFunction', 'Arn'] },
        MigrationsVersion: 'abc123',
        Database: { Ref: 'Database' },
      },
    },
  });
  return c;
}

function resources(): Map<string, LocalResource> {
  const map = localResources();
  map.set('AuditTable', {
    type: 'AWS::DynamoDB::Table',
    ref: 'shelf-local-audit',
    attributes: { StreamArn: auditStream },
  });
  return map;
}

const sample = (functionKey: string) =>
  sampleEventFor(functionKey, { config: config(), resources: resources(), services });

describe('npm run invoke: arguments', () => {
  it('takes one function and an optional event file, or - for standard input', () => {
    expect(parseInvokeArgs(['getHealth'])).toEqual({ functionName: 'getHealth' });
    expect(parseInvokeArgs(['getHealth', '--event', 'event.json'])).toEqual({
      functionName: 'getHealth',
      eventFile: 'event.json',
    });
    expect(parseInvokeArgs(['--event', '-', 'processUpload'])).toEqual({
      functionName: 'processUpload',
      eventFile: '-',
    });
  });

  it('refuses no function, two functions and unknown options', () => {
    expect(() => parseInvokeArgs([])).toThrow(usage);
    expect(() => parseInvokeArgs(['a', 'b'])).toThrow(/One function at a time, not a, b/);
    expect(() => parseInvokeArgs(['a', '--payload', 'x'])).toThrow(/payload/);
  });

  it('finds a function by its key or its deployed name, and lists the functions when there is none', () => {
    expect(findFunction(config(), 'processUpload')).toBe('processUpload');
    expect(findFunction(config(), 'shelf-local-projectCatalog')).toBe('projectCatalog');
    expect(() => findFunction(config(), 'getHelth')).toThrow(
      /No function "getHelth" in serverless.yml. The functions are: processUpload, loadImportChunk, .*getHealth/,
    );
  });

  it('reads the event from the file or standard input, and says where when it is not JSON', () => {
    const local = {
      stack: { lambdaEndpoint: 'http://127.0.0.1:3002', region: 'us-east-1', resources: {} },
      config: config(),
    };

    expect(eventFor({ functionName: 'getHealth', eventFile: '-' }, 'getHealth', local, () => '{"a":1}')).toEqual({
      event: { a: 1 },
      trigger: 'standard input',
    });
    expect(() => eventFor({ functionName: 'getHealth', eventFile: 'e.json' }, 'getHealth', local, () => '{a')).toThrow(
      /The event in e.json is not JSON/,
    );
  });

  it('asks for --event when no trigger of the function has a default event', () => {
    const local = {
      stack: { lambdaEndpoint: 'x', region: 'us-east-1', resources: Object.fromEntries(resources()) },
      config: config(),
    };

    expect(() => eventFor({ functionName: 'internal' }, 'internal', local)).toThrow(
      'internal has no default event for its triggers (alb): give one with --event FILE',
    );
  });
});

describe('npm run invoke: the default event of each trigger', () => {
  it("HTTP API: AWS's sample for the route, which the handler takes as a request", async () => {
    const { event, trigger } = sample('getHealth')!;

    expect(trigger).toBe('httpApi');
    expect(event).toEqual(
      expect.objectContaining({
        routeKey: 'GET /health',
        rawPath: '/health',
        requestContext: expect.objectContaining({
          routeKey: 'GET /health',
          http: expect.objectContaining({ method: 'GET', path: '/health' }),
        }),
      }),
    );
    expect(await invoke(getHealth, event)).toEqual(
      expect.objectContaining({ statusCode: 200, body: { status: 'ok', service: 'shelf', stage: 'test' } }),
    );
  });

  it('HTTP API behind the authorizer: the JWT sample, its path parameters filled in', () => {
    const { event } = sample('getProduct')!;

    expect(event).toEqual(
      expect.objectContaining({
        routeKey: 'GET /products/{sku}',
        rawPath: '/products/sample',
        pathParameters: { sku: 'sample' },
        requestContext: expect.objectContaining({ authorizer: expect.objectContaining({ jwt: expect.any(Object) }) }),
      }),
    );
  });

  it("S3 notification: the local bucket's, from the bucket's declaration", () => {
    const { event, trigger } = sample('processUpload')!;

    expect(trigger).toBe('s3');
    const parsed = S3Schema.parse(event);
    expect(parsed.Records[0]!.s3.bucket.name).toBe(bucket);
    expect(parsed.Records[0]!.s3.object.key).toBe('uploads/sample.csv');
  });

  it("SQS: the local queue's ARN", () => {
    const parsed = SqsSchema.parse(sample('loadImportChunk')!.event);

    expect(parsed.Records[0]!.eventSourceARN).toBe(queueArn('shelf-local-imports'));
  });

  it('schedule: a scheduled EventBridge event in the local account and region', () => {
    const parsed = EventBridgeSchema.parse(sample('projectCatalog')!.event);

    expect(parsed['detail-type']).toBe('Scheduled Event');
    expect(parsed.account).toBe('000000000000');
    expect(parsed.resources).toEqual([
      'arn:aws:events:us-east-1:000000000000:rule/shelf-local-projectCatalog-schedule',
    ]);
  });

  it("DynamoDB and Kinesis streams: the stream's local ARN", () => {
    const dynamodb = DynamoDBStreamSchema.parse(sample('auditCatalog')!.event);
    const kinesis = KinesisDataStreamSchema.parse(sample('countViews')!.event);

    expect(dynamodb.Records.every((r) => r.eventSourceARN === auditStream)).toBe(true);
    expect(kinesis.Records.every((r) => r.eventSourceARN === clicks)).toBe(true);
  });

  it('CloudFront: the sample of its event type', () => {
    expect(sample('addSecurityHeaders')!.event).toEqual(
      expect.objectContaining({
        Records: [expect.objectContaining({ cf: expect.objectContaining({ response: expect.any(Object) }) })],
      }),
    );
  });

  it('custom resource: a Create request for the resource that names the function, answered locally', () => {
    const { event, trigger } = sample('migrateDatabase')!;

    expect(trigger).toBe('CloudFormation custom resource');
    const request = customResourceRequestSchema.parse(event);
    expect(request).toEqual(
      expect.objectContaining({
        RequestType: 'Create',
        ResponseURL: localResponseUrl,
        ResourceType: 'Custom::DatabaseMigrations',
        LogicalResourceId: 'DatabaseMigrations',
        ResourceProperties: {
          ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-migrateDatabase',
          MigrationsVersion: 'abc123',
          // Not a resource of the local stack: left as declared.
          Database: { Ref: 'Database' },
        },
      }),
    );
  });
});
