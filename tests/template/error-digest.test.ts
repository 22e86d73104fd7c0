/**
 * The error digest in the packaged template: every function's log group but the digest's own and
 * the edge function's has a subscription filter to digestErrors, which CloudWatch Logs may invoke
 * for this stack's log groups only; digestErrors retries twice within an hour, then keeps the event
 * in its queue, and its role holds only what it uses.
 */
import { edgeFunctionIds, readTemplate, resourcesOfType } from './cloudformation';
import { packagedTemplatePath } from './global-setup';

const template = readTemplate(packagedTemplatePath);
const digest = 'DigestErrorsLambdaFunction';
const digestArn = { 'Fn::GetAtt': [digest, 'Arn'] };

describe('the error digest', () => {
  it("subscribes every function's log group, but its own and the edge function's, to digestErrors", () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function')
      .map(([id]) => id)
      .filter((id) => id !== digest && !edgeFunctionIds(template).includes(id));
    const subscribed = resourcesOfType(template, 'AWS::Logs::SubscriptionFilter')
      .filter(([, filter]) => JSON.stringify(filter.Properties?.DestinationArn) === JSON.stringify(digestArn))
      .map(([, filter]) =>
        (filter.Properties!.LogGroupName as { Ref: string }).Ref.replace(/LogGroup$/, 'LambdaFunction'),
      );

    expect(functions.length).toBeGreaterThan(10);
    expect(subscribed.sort()).toEqual(functions.sort());
  });

  it("lets CloudWatch Logs invoke it for this stack's functions' log groups, in this account", () => {
    const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties?.Principal === 'logs.amazonaws.com',
    );

    expect(permissions).toHaveLength(1);
    expect(permissions[0]![1].Properties).toEqual({
      FunctionName: digestArn,
      Action: 'lambda:InvokeFunction',
      Principal: 'logs.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: {
        'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/shelf-dev-*:*',
      },
    });
  });

  it('retries twice within an hour, then keeps the event in its on-failure queue', () => {
    const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(
      ([, c]) => c.Properties?.FunctionName?.Ref === digest,
    );

    expect(configs).toHaveLength(1);
    expect(configs[0]![1].Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['ErrorDigestFailuresQueue', 'Arn'] } } },
    });
  });

  it('may write its throttle table, publish to ops-alerts with its key, and send to its queue, and no more', () => {
    const role = template.Resources[template.Resources[digest]!.Properties!.Role['Fn::GetAtt'][0] as string]!;
    const statements = (role.Properties!.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[])
      .flatMap((p) => p.PolicyDocument.Statement)
      .filter((s) => !/"(xray|logs):/.test(JSON.stringify(s.Action)));

    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:UpdateItem'], Resource: { 'Fn::GetAtt': ['ErrorDigestsTable', 'Arn'] } },
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: { Ref: 'OpsAlertsTopic' } },
      {
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: { 'Fn::GetAtt': ['NotificationsKey', 'Arn'] },
      },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': ['ErrorDigestFailuresQueue', 'Arn'] } },
    ]);
  });
});
