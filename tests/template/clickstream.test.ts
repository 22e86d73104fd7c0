/**
 * The clickstream in the packaged template: the stream encrypted and kept 24 hours, the
 * aggregator's mapping with its one-minute tumbling window, partial responses, bisecting, bounded
 * retries and an on-failure queue, and each function's role holding only what it uses.
 */
import { readTemplate, resourcesOfType } from './cloudformation';
import { packagedTemplatePath } from './global-setup';

const template = readTemplate(packagedTemplatePath);

const roleOf = (functionId: string) =>
  template.Resources[template.Resources[functionId]!.Properties!.Role['Fn::GetAtt'][0] as string]!;
const statementsOf = (functionId: string) =>
  (roleOf(functionId).Properties!.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[])
    .flatMap((p) => p.PolicyDocument.Statement)
    // What every function has: X-Ray's (serverless.yml) and its own log group's (the framework's).
    .filter((s) => !/"(xray|logs):/.test(JSON.stringify(s.Action)));

describe('the clickstream', () => {
  it('keeps its stream encrypted with the AWS managed key for 24 hours, on one provisioned shard', () => {
    expect(template.Resources.ClickstreamStream!.Properties).toEqual({
      Name: 'shelf-dev-clickstream',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 1,
      RetentionPeriodHours: 24,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
  });

  it('counts in one-minute tumbling windows, bisects, retries 10 times, then keeps the batch in a queue', () => {
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, m]) =>
        JSON.stringify(m.Properties?.EventSourceArn) === JSON.stringify({ 'Fn::GetAtt': ['ClickstreamStream', 'Arn'] }),
    );

    expect(mappings).toHaveLength(1);
    expect(mappings[0]![1].Properties).toMatchObject({
      FunctionName: { 'Fn::GetAtt': ['AggregateClickstreamLambdaFunction', 'Arn'] },
      StartingPosition: 'TRIM_HORIZON',
      TumblingWindowInSeconds: 60,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': ['ClickstreamAggregationFailuresQueue', 'Arn'] } },
      },
    });
  });

  it('lets POST /events put records, count its callers and read its HMAC key, and nothing else', () => {
    expect(statementsOf('RecordEventsLambdaFunction')).toEqual([
      { Effect: 'Allow', Action: ['kinesis:PutRecords'], Resource: { 'Fn::GetAtt': ['ClickstreamStream', 'Arn'] } },
      {
        Effect: 'Allow',
        Action: ['dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': ['ClickstreamRateLimitsTable', 'Arn'] },
      },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: { Ref: 'ClickstreamHashKeySecret' } },
    ]);
    const env = template.Resources.RecordEventsLambdaFunction!.Properties!.Environment.Variables;
    expect(env.CLICKSTREAM_HASH_KEY_SECRET_ARN).toEqual({ Ref: 'ClickstreamHashKeySecret' });
    expect(env.CLICKSTREAM_RATE_LIMIT).toBe('1200');
  });

  it('lets the aggregator read the stream, write the aggregates table and its failures queue only', () => {
    const statements = statementsOf('AggregateClickstreamLambdaFunction');
    const resources = [...new Set(statements.flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r))))];

    expect(resources.sort()).toEqual(
      [
        { 'Fn::GetAtt': ['ClickstreamStream', 'Arn'] },
        { 'Fn::GetAtt': ['ClickstreamAggregatesTable', 'Arn'] },
        { 'Fn::GetAtt': ['ClickstreamAggregationFailuresQueue', 'Arn'] },
      ]
        .map((r) => JSON.stringify(r))
        .sort(),
    );
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Resource: { 'Fn::GetAtt': ['ClickstreamAggregatesTable', 'Arn'] },
    });
  });
});
