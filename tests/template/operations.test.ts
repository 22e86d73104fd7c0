/**
 * The operations endpoint in the packaged template: the internal load balancer and everything
 * billed with it exist only under the OpsEndpoint condition (off by default), reachable from the
 * VPC only, forwarding /ops/* to a Lambda target group with multi-value headers; the function
 * exists on every stage, and its role reads the stack's queues and nothing else.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { migrationsPath, readMigrations } from '../../shared/adapters/postgres/migrator';
import { readTemplate, render, resourcesOfType } from './cloudformation';
import { packageDir, packagedTemplatePath } from './global-setup';

const template = readTemplate(packagedTemplatePath) as ReturnType<typeof readTemplate> & {
  Parameters: Record<string, { Default: string }>;
  Conditions: Record<string, unknown>;
};
const resource = (id: string) => template.Resources[id]!;
const functionId = 'OperationsEndpointLambdaFunction';

const conditioned = [
  'OpsLoadBalancerSecurityGroup',
  'OpsLoadBalancer',
  'OpsListener',
  'OpsListenerRule',
  'OpsTargetGroup',
  'OpsEndpointInvokePermission',
  'SqsEndpoint',
  'CloudWatchMonitoringEndpoint',
];

describe('the operations endpoint', () => {
  it('puts the load balancer and the endpoints it needs under one condition, off unless the stage turns it on', () => {
    expect(template.Parameters.OpsEndpoint).toMatchObject({ AllowedValues: ['true', 'false'], Default: 'false' });
    expect(template.Conditions.HasOpsEndpoint).toEqual({ 'Fn::Equals': [{ Ref: 'OpsEndpoint' }, 'true'] });
    for (const id of conditioned) expect([id, resource(id).Condition]).toEqual([id, 'HasOpsEndpoint']);
    const elb = Object.entries(template.Resources).filter(([, r]) =>
      r.Type.startsWith('AWS::ElasticLoadBalancingV2::'),
    );
    expect(elb.every(([, r]) => r.Condition === 'HasOpsEndpoint')).toBe(true);
    expect((template.Outputs!.OpsEndpointUrl as { Condition?: string }).Condition).toBe('HasOpsEndpoint');
    // The function exists either way: the local stack and `npm run invoke` reach it on every stage.
    expect(resource(functionId).Condition).toBeUndefined();
  });

  it('is an internal load balancer in the private subnets, open on port 80 to the VPC (or the given range) only', () => {
    expect(resource('OpsLoadBalancer').Properties).toMatchObject({
      Type: 'application',
      Scheme: 'internal',
      Subnets: [{ Ref: 'PrivateSubnetA' }, { Ref: 'PrivateSubnetB' }],
      SecurityGroups: [{ 'Fn::GetAtt': ['OpsLoadBalancerSecurityGroup', 'GroupId'] }],
    });
    const group = resource('OpsLoadBalancerSecurityGroup').Properties!;
    expect(group.SecurityGroupIngress).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
        CidrIp: { 'Fn::If': ['HasOpsClientCidr', { Ref: 'OpsClientCidr' }, { 'Fn::GetAtt': ['Vpc', 'CidrBlock'] }] },
      }),
    ]);
    // ALB invokes a Lambda target through the Lambda API: no egress at all.
    expect(group.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '127.0.0.1/32' })]);
  });

  it('answers 404 itself for anything but /ops/*, which it forwards to the function with multi-value headers', () => {
    const listener = resource('OpsListener').Properties!;
    expect(listener).toMatchObject({ Port: 80, Protocol: 'HTTP' });
    expect(listener.DefaultActions).toEqual([
      expect.objectContaining({
        Type: 'fixed-response',
        FixedResponseConfig: expect.objectContaining({ StatusCode: '404', ContentType: 'application/json' }),
      }),
    ]);
    expect(JSON.parse(listener.DefaultActions[0].FixedResponseConfig.MessageBody)).toMatchObject({
      error: { code: 'NOT_FOUND' },
    });
    const rules = resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::ListenerRule');
    expect(rules.map(([, r]) => r.Properties)).toEqual([
      {
        ListenerArn: { Ref: 'OpsListener' },
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/ops/*'] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: { Ref: 'OpsTargetGroup' } }],
      },
    ]);
    const group = resource('OpsTargetGroup');
    expect(group.Properties).toMatchObject({
      Name: 'shelf-dev-ops',
      TargetType: 'lambda',
      Targets: [{ Id: { 'Fn::GetAtt': [functionId, 'Arn'] } }],
      TargetGroupAttributes: [{ Key: 'lambda.multi_value_headers.enabled', Value: 'true' }],
    });
    expect(group.DependsOn).toEqual(['OpsEndpointInvokePermission']);
  });

  it('lets only this stack’s target group invoke the function', () => {
    const permission = resource('OpsEndpointInvokePermission').Properties!;
    expect(permission).toMatchObject({
      FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
      Action: 'lambda:InvokeFunction',
      Principal: 'elasticloadbalancing.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
    expect(render(permission.SourceArn)).toBe(
      'arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:targetgroup/shelf-dev-ops/*',
    );
  });

  it('gives the function the database secret, the stack’s queues’ attributes and the SQS metrics, nothing else', () => {
    const fn = resource(functionId).Properties!;
    const role = resource(fn.Role['Fn::GetAtt'][0] as string).Properties!;
    const statements = (role.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[])
      .flatMap((p) => p.PolicyDocument.Statement)
      .filter((s) => !/"(xray|logs|ec2):/.test(JSON.stringify(s.Action)));
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: { 'Fn::GetAtt': ['Database', 'MasterUserSecret.SecretArn'] },
      },
      { Effect: 'Allow', Action: ['sqs:ListQueues'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['sqs:GetQueueAttributes'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:shelf-dev-*' },
      },
      { Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: '*' },
    ]);
    expect(fn.Environment.Variables).toMatchObject({
      QUEUE_NAME_PREFIX: 'shelf-dev-',
      QUEUE_AGE_METRICS: 'cloudwatch',
    });
  });

  it('counts every queue of the stack: each queue’s name starts with the prefix the function lists by', () => {
    const queues = resourcesOfType(template, 'AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThan(0);
    for (const [id, queue] of queues)
      expect([id, render(queue.Properties!.QueueName)]).toEqual([id, expect.stringMatching(/^shelf-dev-/)]);
  });

  it('carries the migrations in its zip, where the bundled migrator reads the ones the schema is compared with', () => {
    const zip = join(packageDir, (resource(functionId).Properties!.Code.S3Key as string).split('/').at(-1)!);
    const entries = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n');
    expect(entries.filter((e) => e.endsWith('.sql'))).toEqual(
      readMigrations().map((m) => `${migrationsPath}/${m.name}`),
    );
  });
});
