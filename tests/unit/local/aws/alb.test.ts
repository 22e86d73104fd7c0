// The local Application Load Balancer: its rules read from serverless.yml's resources (with their
// Condition), ALB's path patterns, the event a Lambda target gets in either header form, and the
// listener answering over HTTP as ALB does: the rule's function, the fixed 404, a 502 for a failed
// function. The function host is a fake that records what it was invoked with.
import type { AddressInfo } from 'node:net';
import { startAlbListener, type RunningListener } from '../../../../infra/local/aws/alb/alb-listener';
import { alb } from '../../../../infra/local/aws/alb/service';
import { albListeners, pathPattern, route } from '../../../../infra/local/aws/alb/listener-rules';
import { conditionHolds } from '../../../../infra/local/conditions';
import type { Invocation } from '../../../../infra/local/lambda/invoke';
import { closeServer } from '../../../../infra/local/supervisor';
import type { ServiceConfig } from '../../../../infra/service-config';

/** The shape of infra/resources/operations.yml, as `serverless print` gives it for a stage. */
function serviceConfig(opsEndpoint: 'true' | 'false', multiValue = true): ServiceConfig {
  const when = { Condition: 'HasOpsEndpoint' };
  return {
    service: 'shelf',
    provider: { region: 'us-east-1', stage: 'local' },
    functions: { operationsEndpoint: { handler: 'services/ops/operations-endpoint.handler' } },
    resources: {
      Parameters: { OpsEndpoint: { Default: opsEndpoint } },
      Conditions: { HasOpsEndpoint: { 'Fn::Equals': [{ Ref: 'OpsEndpoint' }, 'true'] } },
      Resources: {
        OpsListener: {
          Type: 'AWS::ElasticLoadBalancingV2::Listener',
          ...when,
          Properties: {
            DefaultActions: [
              {
                Type: 'fixed-response',
                FixedResponseConfig: {
                  StatusCode: '404',
                  ContentType: 'application/json',
                  MessageBody: '{"error":{}}',
                },
              },
            ],
          },
        },
        OpsListenerRule: {
          Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
          ...when,
          Properties: {
            ListenerArn: { Ref: 'OpsListener' },
            Priority: 10,
            Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/ops/*'] } }],
            Actions: [{ Type: 'forward', TargetGroupArn: { Ref: 'OpsTargetGroup' } }],
          },
        },
        OpsTargetGroup: {
          Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
          ...when,
          Properties: {
            Name: 'shelf-local-ops',
            TargetType: 'lambda',
            Targets: [{ Id: { 'Fn::GetAtt': ['OperationsEndpointLambdaFunction', 'Arn'] } }],
            TargetGroupAttributes: [{ Key: 'lambda.multi_value_headers.enabled', Value: String(multiValue) }],
          },
        },
      },
    },
  };
}

describe('the load balancer as serverless.yml declares it', () => {
  it('reads the listener, its rule and the function its target group registers', () => {
    const [listener, ...more] = albListeners(serviceConfig('true'));

    expect(more).toEqual([]);
    expect(listener!.defaultAction).toEqual({
      kind: 'fixed-response',
      statusCode: 404,
      contentType: 'application/json',
      body: '{"error":{}}',
    });
    expect(route(listener!, 'GET', '/ops/health')).toEqual({
      kind: 'forward',
      functionKey: 'operationsEndpoint',
      targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/shelf-local-ops/local',
      multiValueHeaders: true,
    });
    expect(route(listener!, 'GET', '/health').kind).toBe('fixed-response');
  });

  it('has no load balancer on a stage whose condition does not hold', () => {
    expect(conditionHolds(serviceConfig('false'), 'HasOpsEndpoint')).toBe(false);
    expect(albListeners(serviceConfig('false'))).toEqual([]);
  });

  it('matches paths as ALB does: case-sensitive, * for any characters, ? for one', () => {
    expect(pathPattern('/ops/*').test('/ops/health')).toBe(true);
    expect(pathPattern('/ops/*').test('/ops/')).toBe(true);
    expect(pathPattern('/ops/*').test('/OPS/health')).toBe(false);
    expect(pathPattern('/ops/*').test('/opsx')).toBe(false);
    expect(pathPattern('/v?/x.json').test('/v2/x.json')).toBe(true);
    expect(pathPattern('/v?/x.json').test('/v2/xxjson')).toBe(false);
  });

  it('gives `npm run invoke` AWS’s multi-value sample with the local target group', () => {
    const event = alb.sampleEvent!({
      config: serviceConfig('true'),
      region: 'us-east-1',
      functionKey: 'operationsEndpoint',
      resources: new Map(),
      intrinsics: undefined as never,
      fixture: (name) => ({ name, requestContext: { elb: { targetGroupArn: 'sample' } } }),
    });

    expect(event).toEqual({
      name: 'alb-lambda-target-request-multivalue-headers.json',
      requestContext: {
        elb: {
          targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/shelf-local-ops/local',
        },
      },
    });
  });
});

describe('the local listener', () => {
  let listener: RunningListener;
  let url: string;
  let invoked: { functionKey: string; event: Record<string, any> }[];
  let answer: Invocation;

  async function start(config: ServiceConfig) {
    listener = await startAlbListener(0);
    url = `http://127.0.0.1:${(listener.server.address() as AddressInfo).port}`;
    const [declared] = albListeners(config);
    listener.serve(declared, (functionKey, event) => {
      invoked.push({ functionKey, event: event as Record<string, any> });
      return Promise.resolve(answer);
    });
  }

  beforeEach(() => {
    invoked = [];
    answer = {
      status: 200,
      payload: {
        statusCode: 503,
        statusDescription: '503 Service Unavailable',
        isBase64Encoded: false,
        multiValueHeaders: { 'content-type': ['application/json'], 'set-cookie': ['a=1', 'b=2'] },
        body: '{"healthy":false}',
      },
    };
  });
  afterEach(() => closeServer(listener.server));

  it('invokes the rule’s function with ALB’s multi-value event and answers with its response', async () => {
    await start(serviceConfig('true'));

    const response = await fetch(`${url}/ops/health?verbose=1&verbose=2`, { headers: { 'x-probe': 'ops' } });

    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ healthy: false });
    expect(invoked).toHaveLength(1);
    const { functionKey, event } = invoked[0]!;
    expect(functionKey).toBe('operationsEndpoint');
    expect(event).toMatchObject({
      requestContext: {
        elb: {
          targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/shelf-local-ops/local',
        },
      },
      httpMethod: 'GET',
      path: '/ops/health',
      multiValueQueryStringParameters: { verbose: ['1', '2'] },
      body: '',
      isBase64Encoded: false,
    });
    expect(event.multiValueHeaders).toMatchObject({ 'x-probe': ['ops'], 'x-forwarded-proto': ['http'] });
    expect(event.headers).toBeUndefined();
  });

  it('sends single values, the last of each, to a target group without multi-value headers', async () => {
    await start(serviceConfig('true', false));
    answer = { status: 200, payload: { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' } };

    const response = await fetch(`${url}/ops/queues?a=1&a=2`);

    expect(await response.text()).toBe('ok');
    expect(invoked[0]!.event).toMatchObject({ queryStringParameters: { a: '2' } });
    expect(invoked[0]!.event.multiValueHeaders).toBeUndefined();
    expect(invoked[0]!.event.headers).toMatchObject({ 'x-forwarded-port': expect.any(String) });
  });

  it('answers the listener’s fixed 404 for other paths, without invoking anything', async () => {
    await start(serviceConfig('true'));

    const response = await fetch(`${url}/admin`);

    expect(response.status).toBe(404);
    expect(await response.text()).toBe('{"error":{}}');
    expect(invoked).toEqual([]);
  });

  it('answers 502 Bad Gateway when the function fails, as ALB does', async () => {
    await start(serviceConfig('true'));
    answer = { status: 200, functionError: 'Unhandled', payload: { errorMessage: 'boom' } };

    const response = await fetch(`${url}/ops/health`);

    expect(response.status).toBe(502);
  });

  it('answers 404 to everything on a stage without a load balancer', async () => {
    await start(serviceConfig('false'));

    expect((await fetch(`${url}/ops/health`)).status).toBe(404);
    expect(invoked).toEqual([]);
  });
});
