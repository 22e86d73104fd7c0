/**
 * `serverless package` works offline with no AWS credentials (global-setup.ts runs it once for
 * the template tests), and the CloudFormation template it writes is valid (cfn-lint when
 * installed, @aws/cloudformation-validate always) and has the shape Shelf promises: one bundled
 * zip per function, Node 24 on arm64, tracing, 14 days of logs, a role per function, the public
 * routes open; and the web tier: private bucket, CloudFront with Origin Access Control, the
 * Lambda@Edge function within Lambda@Edge's rules, CORS for the API and uploads from the web
 * origin only, and Cognito's hosted UI for the web app. The security rules (wildcards, buckets,
 * database, ingress, authorizers, failed events, log retention, private subnets) are in
 * security-rules.test.ts.
 */
import { execFile, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RegoEngine, TemplateFile } from '@aws/cloudformation-validate';
import { webStackOutputKeys } from '../../infra/deploy/publish-plan';
import { loadCloudFrontFunction } from '../../infra/local/cloudfront-function';
import { templateReferences } from '../../infra/package/template-references';
import { migrationsVersion } from '../../infra/package/migrations-hash';
import { migrationsPath, readMigrations } from '../../shared/adapters/postgres/migrator';
import { edgeFunctionIds } from './cloudformation';
import { packageDir as outDir, packagedTemplatePath as templatePath, type PackagingRun } from './global-setup';
import { publicRoutes } from './security-rules';

type Resource = {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
};
interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
}

const template = JSON.parse(readFileSync(templatePath, 'utf8')) as Template;
const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const resource = (id: string) => {
  const found = template.Resources[id];
  if (!found) throw new Error(`The template has no resource ${id}`);
  return found;
};

/**
 * The Lambda@Edge function, the one exception to the rules every other function follows: Lambda@Edge
 * runs neither Node.js 24 nor arm64 nor X-Ray, writes its logs to other log groups, and needs a role
 * that edgelambda.amazonaws.com may assume. Its own rules are checked in "the web tier" below.
 */
const edgeFunctionId = 'AddSecurityHeadersLambdaFunction';
const distribution = () => resource('CloudFrontDistribution').Properties.DistributionConfig;

/** The resources `value` refers to (pseudo-parameters left out). */
const references = (value: unknown) => templateReferences(value).filter((id) => id in template.Resources);

describe('the packaged template', () => {
  it('was written by this run, packaged with no AWS credentials, configuration or home folder', () => {
    const run = JSON.parse(process.env.SHELF_TEST_PACKAGED ?? 'null') as PackagingRun | null;
    expect(run).not.toBeNull();
    expect(run!.awsEnvironment).toEqual({ AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' });
    expect(existsSync(join(run!.home, '.aws'))).toBe(false);
    // Not a template left behind by an earlier package (one with credentials, say).
    expect(statSync(templatePath).mtimeMs).toBeGreaterThanOrEqual(run!.startedAt);
  });

  it('has one bundled zip per function, holding one minified file and its source map', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(8);
    for (const [, fn] of functions) {
      const zip = join(outDir, (fn.Properties.Code.S3Key as string).split('/').at(-1)!);
      expect(existsSync(zip)).toBe(true);
      const entries = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n');
      expect(entries.filter((e) => e.endsWith('.js'))).toHaveLength(1);
      expect(entries.filter((e) => e.endsWith('.js.map'))).toHaveLength(1);
      expect(entries.some((e) => e.includes('node_modules'))).toBe(false);
    }
  });

  it('bundles the AWS SDK instead of taking it from the runtime', () => {
    const zip = join(outDir, 'getProduct.zip');
    const code = execFileSync('unzip', ['-p', zip, 'services/catalog/get-product.js'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    expect(code).toContain('DynamoDB');
    // The only SDK module left to the runtime is the optional CRT signer (used for SigV4a only).
    const required = [...code.matchAll(/require\("(@aws-sdk\/[^"]+)"\)/g)].map((m) => m[1]);
    expect(required.filter((name) => name !== '@aws-sdk/signature-v4-crt')).toEqual([]);
  });

  it('runs every function but the edge one on Node.js 24, arm64, with active tracing and its own role', () => {
    // The exception is exactly the function CloudFront runs at the edge, and nothing else.
    expect(edgeFunctionIds(template)).toEqual([edgeFunctionId]);
    const functions = ofType('AWS::Lambda::Function').filter(([id]) => id !== edgeFunctionId);
    expect(functions.length).toBeGreaterThanOrEqual(8);
    for (const [id, fn] of functions) {
      expect({ id, runtime: fn.Properties.Runtime, arch: fn.Properties.Architectures }).toEqual({
        id,
        runtime: 'nodejs24.x',
        arch: ['arm64'],
      });
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
      expect(roleId).toBe(id.replace(/LambdaFunction$/, 'IamRoleLambdaExecution'));
    }
  });

  it("keeps every log group's logs for the stack's 14 days (provider.logRetentionInDays)", () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(9);
    expect(groups.filter(([, g]) => g.Properties.RetentionInDays !== 14).map(([id]) => id)).toEqual([]);
  });

  it('leaves the public catalog and health open to anyone, and trusts the Cognito user pool’s tokens elsewhere', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.length).toBeGreaterThanOrEqual(8);
    const open = routes.filter((route) => route.AuthorizationType === undefined).map((route) => route.RouteKey);
    expect(open).toEqual(expect.arrayContaining(publicRoutes));
    const [, authorizer] = ofType('AWS::ApiGatewayV2::Authorizer')[0]!;
    expect(authorizer.Properties.JwtConfiguration.Issuer['Fn::Sub']).toContain('cognito-idp');
  });

  it('lets only the edge function’s role be assumed by Lambda@Edge, and keeps no unused default role', () => {
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    const trusting = ofType('AWS::IAM::Role')
      .filter(([, role]) => JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes('edgelambda'))
      .map(([id]) => id);
    expect(trusting).toEqual(['SecurityHeadersEdgeRole']);
  });

  it('has no circular dependency between resources', () => {
    const graph = new Map(
      Object.entries(template.Resources).map(([id, r]) => [id, [...references(r), ...[r.DependsOn ?? []].flat()]]),
    );
    const done = new Set<string>();
    const cycles: string[] = [];
    const visit = (id: string, path: string[]) => {
      if (path.includes(id)) return void cycles.push([...path.slice(path.indexOf(id)), id].join(' → '));
      if (done.has(id)) return;
      for (const next of graph.get(id) ?? []) visit(next, [...path, id]);
      done.add(id);
    };
    for (const id of graph.keys()) visit(id, []);
    expect(cycles).toEqual([]);
  });

  it('passes @aws/cloudformation-validate with no errors', () => {
    const engine = new RegoEngine();
    try {
      const report = engine.validateStandard(new TemplateFile(templatePath));
      const errors = report.diagnostics
        .filter((d) => d.severity === 'ERROR' || d.severity === 'FATAL')
        .map((d) => `${d.ruleId}: ${d.message}`);
      expect(errors).toEqual([]);
    } finally {
      engine.free();
    }
  });

  const cfnLint = (() => {
    try {
      execFileSync('cfn-lint', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it(`passes cfn-lint with no errors${cfnLint ? '' : ' (cfn-lint is not installed here: checked by the test above only)'}`, async () => {
    if (!cfnLint) return;
    const result = await promisify(execFile)('cfn-lint', ['--format', 'json', templatePath]).catch(
      (error: { code: number; stdout: string }) => error,
    );
    const findings = JSON.parse(result.stdout || '[]') as { Level: string; Rule: { Id: string }; Message: string }[];
    expect(findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id}: ${f.Message}`)).toEqual([]);
  });
});

describe('the web tier', () => {
  it('keeps the web bucket private, encrypted, TLS-only and readable by this distribution alone', () => {
    const bucket = resource('WebBucket').Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    expect(bucket.WebsiteConfiguration).toBeUndefined();

    const policies = ofType('AWS::S3::BucketPolicy').filter(([, p]) => p.Properties.Bucket.Ref === 'WebBucket');
    expect(policies).toHaveLength(1);
    const statements = policies[0]![1].Properties.PolicyDocument.Statement as Record<string, any>[];
    expect(statements).toContainEqual({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [{ 'Fn::GetAtt': ['WebBucket', 'Arn'] }, { 'Fn::Sub': '${WebBucket.Arn}/*' }],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(statements.filter((st) => st.Effect === 'Allow')).toEqual([
      {
        Sid: 'AllowCloudFrontRead',
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: { 'Fn::Sub': '${WebBucket.Arn}/*' },
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Sub': 'arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${CloudFrontDistribution}',
            },
          },
        },
      },
    ]);
  });

  it('reaches the bucket through Origin Access Control, from the default behaviour', () => {
    expect(resource('WebOriginAccessControl').Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    const { Origins, DefaultCacheBehavior, CacheBehaviors } = distribution();
    expect(Origins).toHaveLength(1);
    expect(Origins[0]).toEqual({
      Id: expect.any(String),
      DomainName: { 'Fn::GetAtt': ['WebBucket', 'RegionalDomainName'] },
      S3OriginConfig: { OriginAccessIdentity: '' },
      OriginAccessControlId: { 'Fn::GetAtt': ['WebOriginAccessControl', 'Id'] },
    });
    expect(DefaultCacheBehavior.TargetOriginId).toBe(Origins[0].Id);
    // No /api/* behaviour: the app calls the HTTP API by its own URL.
    expect(CacheBehaviors).toBeUndefined();
  });

  it('serves the app over HTTPS, compressed, cached by Cache-Control, without an error-page fallback', () => {
    const config = distribution();
    expect(config).toMatchObject({
      Enabled: true,
      DefaultRootObject: 'index.html',
      HttpVersion: 'http2and3',
      IPV6Enabled: true,
      PriceClass: 'PriceClass_100',
    });
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      Compress: true,
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
      // Managed-CachingOptimized: honours each object's Cache-Control.
      CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
    });
    expect(config.DefaultCacheBehavior.ForwardedValues).toBeUndefined();
    // No error-page fallback: CloudFront runs no viewer-response function on an origin's 4xx, so
    // deep links served that way would lack the security headers.
    expect(config.CustomErrorResponses).toBeUndefined();
  });

  it('rewrites client routes to index.html with a CloudFront Function on viewer requests', () => {
    expect(distribution().DefaultCacheBehavior.FunctionAssociations).toEqual([
      {
        EventType: 'viewer-request',
        FunctionARN: { 'Fn::GetAtt': ['WebRouteFunction', 'FunctionMetadata.FunctionARN'] },
      },
    ]);
    const fn = resource('WebRouteFunction');
    expect(fn.Properties).toMatchObject({ AutoPublish: true, FunctionConfig: { Runtime: 'cloudfront-js-2.0' } });
    // The code itself, run as the local web server runs it.
    const route = loadCloudFrontFunction(fn.Properties.FunctionCode);
    const uriFor = (uri: string) => route({ uri, method: 'GET' }).uri;
    for (const clientRoute of [
      '/',
      '/orders',
      '/products/TEA-SENCHA',
      '/admin/imports/0190d3a1-0000-7000-8000-000000000000',
      '/auth/callback',
    ])
      expect(uriFor(clientRoute)).toBe('/index.html');
    for (const file of [
      '/index.html',
      '/config.json',
      '/favicon.svg',
      '/assets/index-2NKS8NSQ.js',
      '/assets/index-2NKS8NSQ.css',
    ])
      expect(uriFor(file)).toBe(file);
  });

  it('runs the security headers function within Lambda@Edge rules, as a numbered version on viewer responses', () => {
    const fn = resource(edgeFunctionId);
    expect(fn.Properties).toMatchObject({
      Handler: 'services/web/add-security-headers.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['x86_64'],
      MemorySize: 128,
      Timeout: 5,
    });
    expect(fn.Properties.Environment).toBeUndefined();
    expect(fn.Properties.VpcConfig).toBeUndefined();
    expect(fn.Properties.Layers).toBeUndefined();
    expect([undefined, 'PassThrough']).toContain(fn.Properties.TracingConfig?.Mode);
    // Replicas outlive a deleted distribution by hours: the stack keeps the function on remove.
    expect(fn.DeletionPolicy).toBe('Retain');

    const [association, ...others] = distribution().DefaultCacheBehavior.LambdaFunctionAssociations;
    expect(others).toEqual([]);
    expect(association.EventType).toBe('viewer-response');
    const version = resource(association.LambdaFunctionARN.Ref);
    expect(version.Type).toBe('AWS::Lambda::Version');
    expect(version.Properties.FunctionName).toEqual({ Ref: edgeFunctionId });

    const [, permission] = ofType('AWS::Lambda::Permission').find(
      ([, p]) => p.Properties.FunctionName.Ref === association.LambdaFunctionARN.Ref,
    )!;
    expect(permission.Properties.Principal).toBe('edgelambda.amazonaws.com');
    expect(JSON.stringify(permission.Properties.SourceArn)).toContain('{"Ref":"CloudFrontDistribution"}');

    // Viewer-event functions may be at most 1 MB zipped.
    const zip = join(outDir, (fn.Properties.Code.S3Key as string).split('/').at(-1)!);
    expect(statSync(zip).size).toBeLessThan(1024 * 1024);
  });

  it('gives the edge function a role edgelambda may assume, allowed to write its own logs in any region only', () => {
    const fn = resource(edgeFunctionId);
    const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
    expect(roleId).toBe('SecurityHeadersEdgeRole');
    const role = resource(roleId).Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: ['lambda.amazonaws.com', 'edgelambda.amazonaws.com'] },
        Action: 'sts:AssumeRole',
      },
    ]);
    expect(role.ManagedPolicyArns).toBeUndefined();
    const statements = role.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
    const logGroup = `log-group:/aws/lambda/us-east-1.${fn.Properties.FunctionName}`;
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [
          { 'Fn::Sub': `arn:\${AWS::Partition}:logs:*:\${AWS::AccountId}:${logGroup}` },
          { 'Fn::Sub': `arn:\${AWS::Partition}:logs:*:\${AWS::AccountId}:${logGroup}:*` },
        ],
      },
    ]);

    // Its log group here (with retention: security-rules.ts) outlives the distribution on remove.
    const groups = ofType('AWS::Logs::LogGroup').filter(
      ([, g]) => g.Properties.LogGroupName === `/aws/lambda/us-east-1.${fn.Properties.FunctionName}`,
    );
    expect(groups).toHaveLength(1);
    expect([resource('CloudFrontDistribution').DependsOn].flat()).toContain(groups[0]![0]);
    // And no /aws/lambda/<name> group, where Lambda@Edge never writes.
    expect(
      ofType('AWS::Logs::LogGroup').filter(
        ([, g]) => g.Properties.LogGroupName === `/aws/lambda/${fn.Properties.FunctionName}`,
      ),
    ).toEqual([]);
  });

  it('lets the web app POST uploads to the uploads bucket from its origin only', () => {
    expect(resource('UploadsBucket').Properties.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedMethods: ['POST'],
          AllowedOrigins: [{ 'Fn::Sub': 'https://${CloudFrontDistribution.DomainName}' }],
          MaxAge: 3000,
        },
      ],
    });
  });

  it("lets only the web app's origin, the distribution's domain, call the HTTP API from a browser", () => {
    const cors = resource('HttpApi').Properties.CorsConfiguration;
    expect(cors.AllowOrigins).toEqual([{ 'Fn::Sub': 'https://${CloudFrontDistribution.DomainName}' }]);
    expect(JSON.stringify(cors)).not.toContain('*');
    // Nor serverless.yml's placeholder, which the resource in web.yml replaces by position.
    expect(JSON.stringify(cors)).not.toContain('.invalid');
    expect(cors).toMatchObject({
      AllowHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key'],
      AllowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
    });
    // The distribution must not wait for the API in turn (that would be a cycle; see the test above).
    expect(references(resource('CloudFrontDistribution'))).not.toContain('HttpApi');
  });

  it('starts the file processor for uploads however S3 created them, a form upload (ObjectCreated:Post) too', () => {
    const configurations = resource('UploadsBucket').Properties.NotificationConfiguration.LambdaConfigurations;

    expect(configurations.map((c: any) => [c.Event, c.Filter.S3Key.Rules.map((r: any) => r.Value)])).toEqual([
      ['s3:ObjectCreated:*', ['uploads/', '.csv']],
      ['s3:ObjectCreated:*', ['uploads/', '.csv.gz']],
    ]);
    expect(configurations.map((c: any) => c.Function)).toEqual([
      { 'Fn::GetAtt': ['ProcessUploadLambdaFunction', 'Arn'] },
      { 'Fn::GetAtt': ['ProcessUploadLambdaFunction', 'Arn'] },
    ]);
  });

  it("signs the web app in through Cognito's hosted UI with the authorization code flow", () => {
    expect(resource('UserPoolDomain').Properties).toEqual({
      UserPoolId: { Ref: 'UserPool' },
      Domain: { 'Fn::Sub': 'shelf-dev-${AWS::AccountId}' },
    });
    expect(resource('UserPoolClient').Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
      CallbackURLs: [{ 'Fn::Sub': 'https://${CloudFrontDistribution.DomainName}/auth/callback' }],
      LogoutURLs: [{ 'Fn::Sub': 'https://${CloudFrontDistribution.DomainName}/' }],
    });
    expect(template.Outputs.UserPoolDomainUrl!.Value).toEqual({
      'Fn::Sub': 'https://shelf-dev-${AWS::AccountId}.auth.${AWS::Region}.amazoncognito.com',
    });
    // Shoppers sign themselves up; the triggers put them in `shopper` (tests/template/accounts.test.ts).
    expect(resource('UserPool').Properties.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: false });
  });

  it('outputs everything publishing the web app reads', () => {
    expect(Object.keys(template.Outputs)).toEqual(expect.arrayContaining([...webStackOutputKeys]));
    expect(template.Outputs.WebUrl!.Value).toEqual({ 'Fn::Sub': 'https://${CloudFrontDistribution.DomainName}' });
    expect(template.Outputs.WebBucketName!.Value).toEqual({ Ref: 'WebBucket' });
    expect(template.Outputs.WebDistributionId!.Value).toEqual({ Ref: 'CloudFrontDistribution' });
  });
});

describe('database migrations at deploy', () => {
  const functionId = 'MigrateDatabaseLambdaFunction';
  const zipOf = (id: string) => join(outDir, (resource(id).Properties.Code.S3Key as string).split('/').at(-1)!);

  it('declares the DatabaseMigrations custom resource, served by migrateDatabase once its network and database exist', () => {
    const migrations = resource('DatabaseMigrations');
    expect(migrations.Type).toBe('Custom::DatabaseMigrations');
    expect(migrations.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [functionId, 'Arn'] },
      // No answer at all (the function could not start) fails the deploy after 10 minutes, not an hour.
      ServiceTimeout: '600',
      // Changes with the migrations, and only with them: the Update that runs them.
      MigrationsVersion: migrationsVersion(),
      Database: { Ref: 'Database' },
      // An instance restored from a backup, when the functions use one (docs/disaster-recovery.md).
      RestoredDatabase: '',
    });
    expect(Number(migrations.Properties.ServiceTimeout)).toBeGreaterThan(resource(functionId).Properties.Timeout);
    expect([migrations.DependsOn].flat()).toEqual(
      expect.arrayContaining([
        'Database',
        'SecretsManagerEndpoint',
        'S3GatewayEndpoint',
        // maximumRetryAttempts: 0 is in force before the first invocation.
        'MigrateDatabaseLambdaEvConf',
      ]),
    );
    for (const id of [migrations.DependsOn].flat()) expect(template.Resources[id!]).toBeDefined();
  });

  it('runs migrateDatabase in the private subnets, once per request, with time to answer, reading only the database secret', () => {
    const fn = resource(functionId).Properties;
    expect(fn).toMatchObject({ Handler: 'services/database/migrate-database.handler', Timeout: 300, MemorySize: 256 });
    expect(fn.VpcConfig).toEqual({
      SecurityGroupIds: [{ 'Fn::GetAtt': ['LambdaSecurityGroup', 'GroupId'] }],
      SubnetIds: [{ Ref: 'PrivateSubnetA' }, { Ref: 'PrivateSubnetB' }],
    });
    expect(Object.keys(fn.Environment.Variables)).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'DATABASE_SECRET_ARN']),
    );
    const invokeConfigs = ofType('AWS::Lambda::EventInvokeConfig').filter(
      ([, c]) => c.Properties.FunctionName.Ref === functionId,
    );
    expect(invokeConfigs.map(([id, c]) => [id, c.Properties.MaximumRetryAttempts])).toEqual([
      ['MigrateDatabaseLambdaEvConf', 0],
    ]);
    const role = resource(fn.Role['Fn::GetAtt'][0]).Properties;
    const secretReads = role.Policies.flatMap((p: any) => p.PolicyDocument.Statement).filter((s: any) =>
      [s.Action].flat().some((a: string) => a.startsWith('secretsmanager:')),
    );
    expect(secretReads).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: { 'Fn::GetAtt': ['Database', 'MasterUserSecret.SecretArn'] },
      },
    ]);
  });

  it('packages the migrations with migrateDatabase, byte for byte, where the bundled migrator reads them', () => {
    const zip = zipOf(functionId);
    const entries = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n');
    const migrations = readMigrations();
    expect(entries.filter((e) => e.endsWith('.sql'))).toEqual(migrations.map((m) => `${migrationsPath}/${m.name}`));
    for (const { name, sql } of migrations)
      expect(execFileSync('unzip', ['-p', zip, `${migrationsPath}/${name}`], { encoding: 'utf8' })).toBe(sql);
  });

  it('runs from its zip: the bundled handler reads the migrations, then answers CloudFormation when the database is unreachable', async () => {
    const taskRoot = await mkdtemp(join(tmpdir(), 'shelf-migrate-database-'));
    const answers: { contentType: string | undefined; body: any }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        answers.push({ contentType: req.headers['content-type'], body: JSON.parse(body) });
        res.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      execFileSync('unzip', ['-q', zipOf(functionId), '-d', taskRoot]);
      const event = {
        RequestType: 'Create',
        ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:shelf-dev-migrateDatabase',
        ResponseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/response?X-Amz-Signature=x`,
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/shelf-dev/guid',
        RequestId: 'request-1',
        ResourceType: 'Custom::DatabaseMigrations',
        LogicalResourceId: 'DatabaseMigrations',
        ResourceProperties: {},
      };
      // As Lambda runs it: the zip's root is the task root. Nothing listens on port 1.
      const script = `require(${JSON.stringify(join(taskRoot, 'services/database/migrate-database.js'))}).handler(
        ${JSON.stringify(event)},
        { getRemainingTimeInMillis: () => 60000, logGroupName: 'g', logStreamName: 's', functionName: 'f',
          awsRequestId: 'r', invokedFunctionArn: 'a', memoryLimitInMB: '256', functionVersion: '$LATEST' },
      ).catch((error) => { console.error(error); process.exitCode = 1; });`;
      await promisify(execFile)(process.execPath, ['-e', script], {
        env: {
          PATH: process.env.PATH,
          LAMBDA_TASK_ROOT: taskRoot,
          DATABASE_URL: 'postgres://shelf_admin@127.0.0.1:1/shelf',
          POWERTOOLS_TRACE_ENABLED: 'false',
          POWERTOOLS_METRICS_DISABLED: 'true',
          POWERTOOLS_LOG_LEVEL: 'SILENT',
        },
      });
    } finally {
      server.close();
      await rm(taskRoot, { recursive: true, force: true });
    }
    expect(answers).toHaveLength(1);
    expect(answers[0]!.contentType).toBe('');
    // The migrator read its files (no ENOENT) before it tried to connect.
    expect(answers[0]!.body).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: 'DatabaseMigrations',
      Reason: expect.stringMatching(/^connect ECONNREFUSED 127\.0\.0\.1:1 \(logs: g s\)$/),
    });
  });
});
