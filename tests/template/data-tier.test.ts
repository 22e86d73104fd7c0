/**
 * The data tier in the packaged template: exactly the functions that talk to PostgreSQL are in
 * the VPC, with the database secret and nothing wider; the database is PostgreSQL 17 on the
 * smallest Graviton class with a managed password; RDS Proxy is all behind its condition; the
 * security groups let the functions reach the database and the endpoints, and nothing else in.
 * (The project's security rules, e.g. "encrypted, not public", are in security-rules.test.ts.)
 */
import { readTemplate, resourcesOfType } from './cloudformation';
import { packagedTemplatePath } from './global-setup';

const template = readTemplate(packagedTemplatePath);

const functions = () => resourcesOfType(template, 'AWS::Lambda::Function');
const roleOf = (fn: { Properties?: Record<string, any> }) =>
  template.Resources[fn.Properties!.Role['Fn::GetAtt'][0] as string]!;
const statementsOf = (role: { Properties?: Record<string, any> }) =>
  (role.Properties!.Policies as { PolicyDocument: { Statement: any[] } }[]).flatMap((p) => p.PolicyDocument.Statement);

const postgresFunctions = [
  'BuildSalesReportLambdaFunction',
  'CancelOrderLambdaFunction',
  'CreateCustomerLambdaFunction',
  'DeleteProductLambdaFunction',
  'GetOrderLambdaFunction',
  'ListOrdersLambdaFunction',
  'LoadImportChunkLambdaFunction',
  'MigrateDatabaseLambdaFunction',
  'NotifyCustomerLambdaFunction',
  'OperationsEndpointLambdaFunction',
  'PlaceOrderLambdaFunction',
  'ProjectCatalogLambdaFunction',
  'PublishDomainEventsLambdaFunction',
  'PutProductLambdaFunction',
  'ReceiveRestockMailLambdaFunction',
  'RefundPaymentLambdaFunction',
  'ShipOrderLambdaFunction',
  'TakePaymentLambdaFunction',
];

describe('the data tier', () => {
  it('puts exactly the PostgreSQL functions in the private subnets, behind the functions’ security group', () => {
    const inVpc = functions()
      .filter(([, fn]) => fn.Properties!.VpcConfig)
      .map(([id]) => id)
      .sort();
    expect(inVpc).toEqual(postgresFunctions);
    // And those are the ones configured for PostgreSQL.
    const withDatabase = functions()
      .filter(([, fn]) => fn.Properties!.Environment?.Variables?.DATABASE_URL)
      .map(([id]) => id)
      .sort();
    expect(withDatabase).toEqual(postgresFunctions);
    for (const id of postgresFunctions) {
      expect(template.Resources[id]!.Properties!.VpcConfig).toEqual({
        SecurityGroupIds: [{ 'Fn::GetAtt': ['LambdaSecurityGroup', 'GroupId'] }],
        SubnetIds: [{ Ref: 'PrivateSubnetA' }, { Ref: 'PrivateSubnetB' }],
      });
    }
  });

  it('lets each PostgreSQL function read the database secret, attach its network interfaces, and no more', () => {
    for (const id of postgresFunctions) {
      const role = roleOf(template.Resources[id]!);
      expect(role.Properties!.ManagedPolicyArns ?? []).toEqual([]);
      const statements = statementsOf(role);
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: { 'Fn::GetAtt': ['Database', 'MasterUserSecret.SecretArn'] },
      });
      expect(statements).toContainEqual(
        expect.objectContaining({ Action: expect.arrayContaining(['ec2:CreateNetworkInterface']), Resource: '*' }),
      );
      const env = template.Resources[id]!.Properties!.Environment.Variables;
      expect(env.DATABASE_SECRET_ARN).toEqual({ 'Fn::GetAtt': ['Database', 'MasterUserSecret.SecretArn'] });
      // The URL names server, database and user; never a password. The migrator goes to the
      // instance itself (its advisory lock needs one session), the others through RDS Proxy when
      // the stack has one.
      expect(JSON.stringify(env.DATABASE_URL)).toMatch(
        id === 'MigrateDatabaseLambdaFunction'
          ? /^\{"Fn::Sub":"postgres:\/\/shelf_admin@\$\{Database\.Endpoint\.Address\}:5432\/shelf"\}$/
          : /postgres:\/\/shelf_admin@\$\{Host\}:5432\/shelf/,
      );
    }
    // Nobody else may read the secret (RDS Proxy's own role aside).
    const readers = resourcesOfType(template, 'AWS::IAM::Role')
      .filter(([, role]) => {
        const text = JSON.stringify(role.Properties);
        return text.includes('secretsmanager:GetSecretValue') && text.includes('MasterUserSecret');
      })
      .map(([id]) => id.replace(/IamRoleLambdaExecution$/, 'LambdaFunction'))
      .sort();
    expect(readers).toEqual([...postgresFunctions, 'DatabaseProxyRole'].sort());
  });

  it('runs PostgreSQL 17 on the smallest Graviton class with a password RDS manages, in the private subnets', () => {
    const database = template.Resources.Database!;
    expect(database.Properties).toMatchObject({
      Engine: 'postgres',
      EngineVersion: expect.stringMatching(/^17(\.|$)/),
      DBInstanceClass: 'db.t4g.micro',
      StorageEncrypted: true,
      PubliclyAccessible: false,
      ManageMasterUserPassword: true,
      MasterUsername: 'shelf_admin',
      DBName: 'shelf',
      DeletionProtection: true,
      VPCSecurityGroups: [{ 'Fn::GetAtt': ['DatabaseSecurityGroup', 'GroupId'] }],
    });
    expect(database.Properties!.MasterUserPassword).toBeUndefined();
    expect(database.Properties!.BackupRetentionPeriod).toBeGreaterThan(0);
    // The dev stage keeps a final snapshot; sandbox deletes it (params in serverless.yml).
    expect(database.DeletionPolicy).toBe('Snapshot');
    expect(template.Resources.DatabaseSubnetGroup!.Properties!.SubnetIds).toEqual([
      { Ref: 'PrivateSubnetA' },
      { Ref: 'PrivateSubnetB' },
    ]);
  });

  it('puts RDS Proxy and everything it needs behind the RdsProxy stack parameter, off by default', () => {
    const proxyParts = Object.entries(template.Resources)
      .filter(([id]) => /Proxy/.test(id))
      .map(([id, r]) => [id, r.Condition]);
    expect(proxyParts.length).toBeGreaterThanOrEqual(5);
    for (const [, condition] of proxyParts) expect(condition).toBe('UseRdsProxy');
    expect((template as any).Parameters.RdsProxy).toMatchObject({ Default: 'false', AllowedValues: ['true', 'false'] });
  });

  it('has subnets in two Availability Zones and no route out of the VPC', () => {
    const subnets = resourcesOfType(template, 'AWS::EC2::Subnet');
    expect(subnets.map(([, s]) => s.Properties!.AvailabilityZone)).toEqual([
      { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] },
    ]);
    expect(resourcesOfType(template, 'AWS::EC2::InternetGateway')).toEqual([]);
    expect(resourcesOfType(template, 'AWS::EC2::NatGateway')).toEqual([]);
    expect(resourcesOfType(template, 'AWS::EC2::Route')).toEqual([]);
  });

  it('reaches AWS through exactly the endpoints the VPC functions need', () => {
    const endpoints = resourcesOfType(template, 'AWS::EC2::VPCEndpoint').map(([, e]) => [
      JSON.stringify(e.Properties!.ServiceName).match(/\.(\w+)'?"?\}?$/)?.[1] ??
        JSON.stringify(e.Properties!.ServiceName),
      e.Properties!.VpcEndpointType,
    ]);
    expect(endpoints.sort()).toEqual(
      [
        ['dynamodb', 'Gateway'],
        // The domain event outbox's publishers (placeOrder, publishDomainEvents).
        ['events', 'Interface'],
        ['s3', 'Gateway'],
        ['secretsmanager', 'Interface'],
        ['xray', 'Interface'],
        // The operations endpoint's, only with its load balancer (tests/template/operations.test.ts).
        ['sqs', 'Interface'],
        ['monitoring', 'Interface'],
      ].sort(),
    );
  });

  it('opens the database to the functions’ security group on 5432 only', () => {
    const ingress = resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')
      .filter(([, rule]) => JSON.stringify(rule.Properties!.GroupId).includes('DatabaseSecurityGroup'))
      .map(([id, rule]) => ({
        id,
        from: rule.Properties!.SourceSecurityGroupId,
        port: rule.Properties!.FromPort,
        to: rule.Properties!.ToPort,
      }));
    expect(ingress).toEqual([
      {
        id: 'DatabaseFromLambdaIngress',
        from: { 'Fn::GetAtt': ['LambdaSecurityGroup', 'GroupId'] },
        port: 5432,
        to: 5432,
      },
      {
        id: 'DatabaseFromProxyIngress',
        from: { 'Fn::GetAtt': ['DatabaseProxySecurityGroup', 'GroupId'] },
        port: 5432,
        to: 5432,
      },
    ]);
    expect(template.Resources.DatabaseSecurityGroup!.Properties!.SecurityGroupIngress).toBeUndefined();
  });
});
