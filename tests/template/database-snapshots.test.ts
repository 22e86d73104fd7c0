/**
 * The daily database snapshots in the packaged template (stage dev: default params, copies to
 * us-west-2): the 03:00 UTC schedule with explicit asynchronous-invocation settings, a function
 * outside the VPC, and a role that may snapshot the stack's own instance only, and touch only the
 * stack's own daily snapshots, in its region and in the disaster-recovery region.
 */
import { readTemplate, resourcesOfType } from './cloudformation';
import { packagedTemplatePath } from './global-setup';

const template = readTemplate(packagedTemplatePath);
const fn = 'SnapshotDatabaseLambdaFunction';

const statementsOf = (functionId: string) =>
  (
    template.Resources[template.Resources[functionId]!.Properties!.Role['Fn::GetAtt'][0] as string]!.Properties!
      .Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[]
  )
    .flatMap((p) => p.PolicyDocument.Statement)
    // What every function has: X-Ray's (serverless.yml) and its own log group's (the framework's).
    .filter((s) => !/"(xray|logs):/.test(JSON.stringify(s.Action)));

const arn = (region: string, resource: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:${resource}`,
});
const snapshots = ['${AWS::Region}', 'us-west-2'].map((region) => arn(region, 'snapshot:shelf-dev-daily-*'));
const instance = arn('${AWS::Region}', 'db:${Database}');

describe('the daily database snapshots', () => {
  it('run at 03:00 UTC every day, tried three times within an hour, then kept in their failures queue', () => {
    const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, r]) =>
      JSON.stringify(r.Properties!.Targets).includes(fn),
    );
    expect(rules.map(([, r]) => r.Properties!.ScheduleExpression)).toEqual(['cron(0 3 * * ? *)']);
    expect(template.Resources.SnapshotDatabaseLambdaEvConf!.Properties).toEqual({
      FunctionName: { Ref: fn },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['DatabaseSnapshotFailuresQueue', 'Arn'] } } },
    });
    expect(template.Resources.DatabaseSnapshotFailuresQueue!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
  });

  it("runs outside the VPC, told the stack's instance, the second region and the retention", () => {
    const { VpcConfig, Environment } = template.Resources[fn]!.Properties!;
    expect(VpcConfig).toBeUndefined();
    expect(Environment.Variables).toMatchObject({
      STACK_NAME: 'shelf-dev',
      DB_INSTANCE_ARN: instance,
      DR_REGION: 'us-west-2',
      DR_KMS_KEY_ID: 'alias/aws/rds',
      SNAPSHOT_RETENTION_DAYS: '7',
    });
  });

  it("may snapshot the stack's instance only, and touch only its own daily snapshots, in both regions", () => {
    expect(statementsOf(fn)).toEqual([
      { Effect: 'Allow', Action: ['rds:CreateDBSnapshot'], Resource: [instance, snapshots[0]] },
      { Effect: 'Allow', Action: ['rds:AddTagsToResource', 'rds:DeleteDBSnapshot'], Resource: snapshots },
      {
        Effect: 'Allow',
        Action: ['rds:DescribeDBSnapshots'],
        Resource: [instance, arn('us-west-2', 'db:${Database}'), ...snapshots],
      },
      { Effect: 'Allow', Action: ['rds:CopyDBSnapshot'], Resource: snapshots },
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: { 'Fn::GetAtt': ['DatabaseSnapshotFailuresQueue', 'Arn'] },
      },
    ]);
  });
});
