/**
 * Restock mail in the packaged template: the receipt rule stores, then invokes asynchronously,
 * then stops; SES may write to the bucket and invoke the function only for this account's rule;
 * both functions' asynchronous invocation is set explicitly, the answer going by the on-success
 * destination; each role holds only what its function uses.
 */
import { readTemplate } from './cloudformation';
import { packagedTemplatePath } from './global-setup';

const template = readTemplate(packagedTemplatePath);
const ruleArn = {
  'Fn::Sub':
    'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:receipt-rule-set/shelf-dev-inbound-mail:receipt-rule/restock',
};

const roleOf = (functionId: string) =>
  template.Resources[template.Resources[functionId]!.Properties!.Role['Fn::GetAtt'][0] as string]!;
const statementsOf = (functionId: string) =>
  (roleOf(functionId).Properties!.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[])
    .flatMap((p) => p.PolicyDocument.Statement)
    // What every function has (X-Ray, its log group) and a VPC function's network interfaces.
    .filter((s) => !/"(xray|logs|ec2):/.test(JSON.stringify(s.Action)));

describe('restock mail', () => {
  it('stores each message for restock@ in S3, then invokes receiveRestockMail asynchronously, then stops', () => {
    expect(template.Resources.RestockMailRule!.Properties!.Rule).toEqual({
      Name: 'restock',
      Enabled: true,
      ScanEnabled: true,
      TlsPolicy: 'Require',
      Recipients: ['restock@shop.example'],
      Actions: [
        { S3Action: { BucketName: { Ref: 'InboundMailBucket' }, ObjectKeyPrefix: 'restock/' } },
        {
          LambdaAction: {
            FunctionArn: { 'Fn::GetAtt': ['ReceiveRestockMailLambdaFunction', 'Arn'] },
            InvocationType: 'Event',
          },
        },
        { StopAction: { Scope: 'RuleSet' } },
      ],
    });
  });

  it("lets SES write and invoke for this account's restock rule only, and keeps mail 30 days", () => {
    const [, sesWrite] = template.Resources.InboundMailBucketPolicy!.Properties!.PolicyDocument.Statement;
    expect(sesWrite).toEqual({
      Sid: 'AllowSesRestockRule',
      Effect: 'Allow',
      Principal: { Service: 'ses.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: { 'Fn::Sub': '${InboundMailBucket.Arn}/restock/*' },
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnLike: { 'aws:SourceArn': ruleArn },
      },
    });
    expect(template.Resources.ReceiveRestockMailSesPermission!.Properties).toEqual({
      FunctionName: { 'Fn::GetAtt': ['ReceiveRestockMailLambdaFunction', 'Arn'] },
      Action: 'lambda:InvokeFunction',
      Principal: 'ses.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: ruleArn,
    });
    expect(template.Resources.InboundMailBucket!.Properties!.LifecycleConfiguration).toEqual({
      Rules: [{ Id: 'expire-received-mail', Status: 'Enabled', ExpirationInDays: 30 }],
    });
  });

  it('retries each function twice within an hour, answers on success, and keeps failures in a queue', () => {
    const failures = { Destination: { 'Fn::GetAtt': ['RestockMailFailuresQueue', 'Arn'] } };
    expect(template.Resources.ReceiveRestockMailLambdaEvConf!.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: {
        OnSuccess: { Destination: { 'Fn::GetAtt': ['AnswerRestockMailLambdaFunction', 'Arn'] } },
        OnFailure: failures,
      },
    });
    expect(template.Resources.AnswerRestockMailLambdaEvConf!.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: failures },
    });
  });

  it('gives each function only what it uses: the mail, the stock and the answer in, SES out', () => {
    expect(statementsOf('ReceiveRestockMailLambdaFunction')).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: { 'Fn::GetAtt': ['Database', 'MasterUserSecret.SecretArn'] },
      },
      { Effect: 'Allow', Action: ['dynamodb:BatchWriteItem'], Resource: { 'Fn::GetAtt': ['CatalogTable', 'Arn'] } },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: { 'Fn::Sub': '${InboundMailBucket.Arn}/restock/*' } },
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: { 'Fn::GetAtt': ['AnswerRestockMailLambdaFunction', 'Arn'] },
      },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': ['RestockMailFailuresQueue', 'Arn'] } },
    ]);
    expect(statementsOf('AnswerRestockMailLambdaFunction')).toEqual([
      {
        Effect: 'Allow',
        Action: ['ses:SendEmail'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/shop.example' },
      },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': ['RestockMailFailuresQueue', 'Arn'] } },
    ]);
    // Outside the VPC: SES's API has no VPC endpoint.
    expect(template.Resources.AnswerRestockMailLambdaFunction!.Properties!.VpcConfig).toBeUndefined();
  });
});
