/**
 * `serverless package` works offline with no AWS credentials, and the CloudFormation template it
 * writes is valid (cfn-lint when installed, @aws/cloudformation-validate always) and has the
 * shape Shelf promises: one bundled zip per function, Node 24 on arm64, tracing, log retention,
 * a role per function, and the JWT authorizer on every non-public route.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RegoEngine, TemplateFile } from '@aws/cloudformation-validate';
import { frameworkEnv, repoRoot, serverlessBin } from '../../infra/local/service-config';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: unknown };
interface Template {
  Resources: Record<string, Resource>;
}

const outDir = join(repoRoot, '.serverless');
const templatePath = join(outDir, 'cloudformation-template-update-stack.json');
let template: Template;
const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

beforeAll(async () => {
  // No credentials and no AWS configuration at all: packaging must not need an account.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...frameworkEnv,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  for (const key of Object.keys(env)) if (key.startsWith('AWS_') && !key.endsWith('_FILE')) delete env[key];
  env.HOME = mkdtempSync(join(tmpdir(), 'shelf-no-aws-'));
  await promisify(execFile)(process.execPath, [serverlessBin, 'package', '--stage', 'dev'], { cwd: repoRoot, env });
  template = JSON.parse(readFileSync(templatePath, 'utf8')) as Template;
});

describe('the packaged template', () => {
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

  it('runs every function on Node.js 24, arm64, with active tracing, its own role and a log group with retention', () => {
    const logGroups = new Map(
      ofType('AWS::Logs::LogGroup').map(([, g]) => [JSON.stringify(g.Properties.LogGroupName), g]),
    );
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      expect({ id, runtime: fn.Properties.Runtime, arch: fn.Properties.Architectures }).toEqual({
        id,
        runtime: 'nodejs24.x',
        arch: ['arm64'],
      });
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
      expect(roleId).toBe(id.replace(/LambdaFunction$/, 'IamRoleLambdaExecution'));
      const group = [...logGroups.values()].find((g) =>
        JSON.stringify(g.Properties.LogGroupName).includes(`-${fn.Properties.FunctionName.split('-').at(-1)}`),
      );
      expect(group?.Properties.RetentionInDays).toBe(14);
    }
  });

  it('puts the JWT authorizer on every route except the public catalog and health', () => {
    const publicRoutes = ['GET /health', 'GET /products', 'GET /products/{sku}'];
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.length).toBeGreaterThanOrEqual(8);
    for (const route of routes) {
      const isPublic = publicRoutes.includes(route.RouteKey as string);
      expect({ route: route.RouteKey, auth: route.AuthorizationType ?? 'NONE' }).toEqual({
        route: route.RouteKey,
        auth: isPublic ? 'NONE' : 'JWT',
      });
    }
    const [, authorizer] = ofType('AWS::ApiGatewayV2::Authorizer')[0]!;
    expect(authorizer.Properties.JwtConfiguration.Issuer['Fn::Sub']).toContain('cognito-idp');
  });

  it('grants no wildcard action in any function role', () => {
    for (const [id, role] of ofType('AWS::IAM::Role')) {
      for (const policy of role.Properties.Policies ?? []) {
        for (const statement of policy.PolicyDocument.Statement) {
          const actions = [statement.Action].flat() as string[];
          expect({ id, wildcards: actions.filter((a) => a.includes('*')) }).toEqual({ id, wildcards: [] });
        }
      }
    }
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
