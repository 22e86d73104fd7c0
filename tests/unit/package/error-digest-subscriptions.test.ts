// The error digest's subscriptions, derived from serverless.yml's functions: one filter per log
// group but the destination's own and Lambda@Edge's, one permission for CloudWatch Logs; and the
// packaging plugin that adds them to the template.
import ErrorDigestSubscriptions, {
  errorDigestResources,
  permissionId,
} from '../../../infra/package/error-digest-subscriptions';

const errorDigest = { function: 'digestErrors', filterPattern: '?ERROR ?"Task timed out"' };
const service = (
  functions: Record<string, { name?: string; events?: unknown[] }>,
  custom: object = { errorDigest },
) => ({
  service: 'shelf',
  provider: { stage: 'dev' },
  functions,
  custom,
});

describe('errorDigestResources', () => {
  it("subscribes every function's log group but the digest's own and the edge function's", () => {
    const resources = errorDigestResources(
      service({
        placeOrder: { name: 'shelf-dev-placeOrder' },
        'get-order': {},
        digestErrors: { name: 'shelf-dev-digestErrors' },
        addSecurityHeaders: { events: [{ cloudFront: { eventType: 'viewer-response' } }] },
      }),
    );

    expect(Object.keys(resources)).toEqual([
      permissionId,
      'PlaceOrderErrorDigestSubscription',
      'GetDashorderErrorDigestSubscription',
    ]);
    expect(resources.PlaceOrderErrorDigestSubscription).toEqual({
      Type: 'AWS::Logs::SubscriptionFilter',
      DependsOn: permissionId,
      Properties: {
        LogGroupName: { Ref: 'PlaceOrderLogGroup' },
        FilterPattern: '?ERROR ?"Task timed out"',
        DestinationArn: { 'Fn::GetAtt': ['DigestErrorsLambdaFunction', 'Arn'] },
      },
    });
    expect(resources[permissionId]).toEqual({
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': ['DigestErrorsLambdaFunction', 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'logs.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: {
          'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/shelf-dev-*:*',
        },
      },
    });
  });

  it('adds nothing without custom.errorDigest', () => {
    expect(errorDigestResources(service({ placeOrder: {} }, {}))).toEqual({});
  });

  it('refuses a destination that is not a function, and a function its permission would not cover', () => {
    expect(() =>
      errorDigestResources(service({ placeOrder: {} }, { errorDigest: { ...errorDigest, function: 'digest' } })),
    ).toThrow('custom.errorDigest.function: no function "digest" in serverless.yml');
    expect(() =>
      errorDigestResources(service({ digestErrors: {}, placeOrder: { name: 'orders-placeOrder' } })),
    ).toThrow('placeOrder: its name orders-placeOrder does not start with shelf-dev-');
  });
});

describe('the packaging plugin', () => {
  function packaged(resources: Record<string, { Type: string }>) {
    const serverless = {
      service: {
        ...service({ placeOrder: {}, digestErrors: {} }),
        provider: { stage: 'dev', compiledCloudFormationTemplate: { Resources: resources } },
      },
    };
    const plugin = new ErrorDigestSubscriptions(serverless);
    plugin.hooks['before:package:finalize']!();
    return resources;
  }

  it('adds the filters and the permission to the compiled template', () => {
    const resources = packaged({ PlaceOrderLogGroup: { Type: 'AWS::Logs::LogGroup' } });
    expect(Object.keys(resources)).toEqual(['PlaceOrderLogGroup', permissionId, 'PlaceOrderErrorDigestSubscription']);
  });

  it('refuses to subscribe a log group the template does not have', () => {
    expect(() => packaged({})).toThrow(
      'PlaceOrderErrorDigestSubscription: the template has no log group PlaceOrderLogGroup to subscribe',
    );
  });
});
