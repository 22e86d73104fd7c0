/**
 * The nightly sales report in the packaged template: the 02:00 UTC schedule with explicit
 * asynchronous-invocation settings, the private reports bucket, both report routes beside
 * GET /reports/trending, and each function's role holding only what it uses.
 */
import { readTemplate, resourcesOfType } from './cloudformation';
import { packagedTemplatePath } from './global-setup';

const template = readTemplate(packagedTemplatePath);

const roleOf = (functionId: string) =>
  template.Resources[template.Resources[functionId]!.Properties!.Role['Fn::GetAtt'][0] as string]!;
const statementsOf = (functionId: string) =>
  (roleOf(functionId).Properties!.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[])
    .flatMap((p) => p.PolicyDocument.Statement)
    // What every function has: X-Ray's (serverless.yml), its own log group's and its network
    // interfaces' (the framework's), and the database secret (tests/template/data-tier.test.ts).
    .filter((s) => !/"(xray|logs|ec2|secretsmanager):/.test(JSON.stringify(s.Action)));
const bucketArn = { 'Fn::GetAtt': ['ReportsBucket', 'Arn'] };
const under = (prefix: string) => ({ 'Fn::Sub': `\${ReportsBucket.Arn}/${prefix}/*` });

/** The function behind a route key, through its integration. */
function functionOfRoute(routeKey: string): string | undefined {
  const route = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').find(
    ([, r]) => r.Properties!.RouteKey === routeKey,
  );
  const integrationId = route?.[1].Properties!.Target['Fn::Join'][1][1].Ref as string | undefined;
  return integrationId && template.Resources[integrationId]!.Properties!.IntegrationUri['Fn::GetAtt'][0];
}

describe('the sales report', () => {
  it('runs at 02:00 UTC every day, tried three times within an hour, then kept in its failures queue', () => {
    const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, r]) =>
      JSON.stringify(r.Properties!.Targets).includes('BuildSalesReportLambdaFunction'),
    );
    expect(rules.map(([, r]) => r.Properties!.ScheduleExpression)).toEqual(['cron(0 2 * * ? *)']);
    expect(template.Resources.BuildSalesReportLambdaEvConf!.Properties).toEqual({
      FunctionName: { Ref: 'BuildSalesReportLambdaFunction' },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['SalesReportFailuresQueue', 'Arn'] } } },
    });
    expect(template.Resources.SalesReportFailuresQueue!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
  });

  it('keeps the reports in a private, encrypted, TLS-only bucket that forgets them after 400 days', () => {
    const bucket = template.Resources.ReportsBucket!.Properties!;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'AES256',
    });
    expect(bucket.LifecycleConfiguration.Rules).toEqual([
      { Id: 'expire-old-reports', Status: 'Enabled', ExpirationInDays: 400 },
    ]);
    expect(template.Resources.ReportsBucketPolicy!.Properties!.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('routes GET /reports and GET /reports/{date} to their functions, behind the authorizer, and leaves /reports/trending public', () => {
    expect(functionOfRoute('GET /reports')).toBe('ListReportsLambdaFunction');
    expect(functionOfRoute('GET /reports/{date}')).toBe('GetReportLambdaFunction');
    expect(functionOfRoute('GET /reports/trending')).toBe('GetTrendingLambdaFunction');
    const authorization = Object.fromEntries(
      resourcesOfType(template, 'AWS::ApiGatewayV2::Route')
        .filter(([, r]) => String(r.Properties!.RouteKey).startsWith('GET /reports'))
        .map(([, r]) => [r.Properties!.RouteKey, r.Properties!.AuthorizationType ?? 'NONE']),
    );
    expect(authorization).toEqual({
      'GET /reports': 'JWT',
      'GET /reports/{date}': 'JWT',
      'GET /reports/trending': 'NONE',
    });
  });

  it('lets the builder write reports and manifests, read manifests and delete replaced files, and nothing else', () => {
    expect(statementsOf('BuildSalesReportLambdaFunction')).toEqual([
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [under('reports'), under('manifests')] },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: under('manifests') },
      { Effect: 'Allow', Action: ['s3:DeleteObject'], Resource: under('reports') },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: bucketArn },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': ['SalesReportFailuresQueue', 'Arn'] } },
    ]);
  });

  it('lets GET /reports list the manifests only, and GET /reports/{date} read (and so sign) the reports', () => {
    expect(statementsOf('ListReportsLambdaFunction')).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: bucketArn,
        Condition: { StringEquals: { 's3:prefix': 'manifests/' } },
      },
    ]);
    expect(statementsOf('GetReportLambdaFunction')).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [under('manifests'), under('reports')] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: bucketArn },
    ]);
  });
});
