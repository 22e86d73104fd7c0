/**
 * Shelf's security rules (security-rules.ts) on the template `serverless package` wrote
 * (global-setup.ts), and on the fixture templates in tests/fixtures/templates/, each written to
 * break one rule. A rule that finds nothing in the shop's template is worth something only once
 * it has been seen to fail: every rule has at least one fixture it must flag, exactly.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../infra/service-config';
import { readTemplate, resourcesOfType } from './cloudformation';
import { packagedTemplatePath } from './global-setup';
import { checkTemplate, formatViolations, securityRules, type Violation } from './security-rules';

const template = readTemplate(packagedTemplatePath);
const fixturesDir = join(repoRoot, 'tests', 'fixtures', 'templates');

/**
 * What the rules find in today's template that is mended outside these tests, with what mends it.
 * The last test below fails once a finding is gone: then delete its entry.
 */
type KnownFinding = Omit<Violation, 'message'> & { message: RegExp; mend: string };
const knownFindings: KnownFinding[] = [];
const matches = (known: KnownFinding, violation: Violation) =>
  known.rule === violation.rule && known.logicalId === violation.logicalId && known.message.test(violation.message);
const isKnown = (violation: Violation) => knownFindings.some((known) => matches(known, violation));

/**
 * By rule, the fixtures that break it and what each must produce, all rules considered: the
 * logical ID and what the message says. A fixture with [] must produce nothing.
 */
const fixtures: Record<string, Record<string, [logicalId: string, message: RegExp][]>> = {
  'iam-no-wildcard-actions': {
    // Its Deny of s3:* (over plain HTTP) is not flagged.
    'role-with-wildcard-action.json': [['ReportsRole', /policy reports, statement 1 allows dynamodb:\*/]],
    'queue-policy-allowing-wildcard-action.json': [
      ['OrderEventsQueuePolicy', /statement FromOrderTopic allows sqs:\*/],
    ],
    'managed-policy-allowing-not-action.json': [['OperatorsPolicy', /allows every action but iam:\* \(NotAction\)/]],
  },
  'iam-wildcard-resources': {
    // Its X-Ray statement on "*" is not flagged.
    'role-with-wildcard-resource.json': [['GetProductRole', /statement 2 allows dynamodb:GetItem on every resource/]],
    'role-with-unlisted-managed-policy.json': [['PlaceOrderRole', /attaches .*AWSLambdaVPCAccessExecutionRole/]],
  },
  's3-private-encrypted-tls-only': {
    'bucket-without-public-access-block.json': [['UploadsBucket', /block public access: RestrictPublicBuckets not/]],
    'bucket-without-encryption.json': [['UploadsBucket', /not encrypted/]],
    'bucket-without-tls-policy.json': [['UploadsBucket', /not TLS-only/]],
    'bucket-tls-policy-without-objects.json': [['ReportsBucket', /not TLS-only/]],
  },
  'firehose-encrypted-delivery': {
    'delivery-stream-to-unencrypted-places.json': [
      ['LogsDeliveryStream', /writes to arn:aws:s3:::someone-elses-bucket, a bucket not in this template/],
      ['LogsDeliveryStream', /keeps the records put to it unencrypted/],
      ['ClickstreamDeliveryStream', /reads ClickstreamStream, which is not encrypted/],
    ],
  },
  'rds-encrypted-not-public': {
    'database-unencrypted.json': [['Database', /StorageEncrypted is not true/]],
    'database-without-publicly-accessible.json': [['Database', /PubliclyAccessible is left out/]],
    'db-cluster-publicly-accessible.json': [['DatabaseCluster', /PubliclyAccessible is true/]],
  },
  'no-ingress-from-anywhere': {
    'security-group-open-to-the-internet.json': [['DatabaseSecurityGroup', /lets in 0\.0\.0\.0\/0 on tcp ports 5432/]],
    'ingress-rule-open-to-ipv6-internet.json': [['EndpointFromAnywhereIngress', /lets in ::\/0 on tcp ports 443/]],
  },
  'jwt-on-private-routes': {
    // GET /products, public, is not flagged.
    'route-without-authorizer.json': [['HttpApiRouteDeleteProductsSkuVar', /DELETE \/products\/\{sku\} is not behind/]],
    'route-with-jwt-type-but-no-authorizer.json': [['HttpApiRouteGetOrders', /GET \/orders .*authorizer none/]],
  },
  'failed-events-kept': {
    's3-triggered-function-without-on-failure.json': [
      ['ProcessUploadLambdaFunction', /invoked asynchronously by S3 event notifications/],
    ],
    'sqs-queue-without-redrive-policy.json': [
      ['LoadImportChunkLambdaFunction', /reads ImportQueue .* no RedrivePolicy/],
    ],
    // Exempt: CloudFormation waits for a custom resource function's own answer.
    'custom-resource-function-without-dlq.json': [],
  },
  'log-groups-with-retention': {
    'function-without-log-group.json': [['GetHealthLambdaFunction', /no log group \/aws\/lambda\/shop-getHealth:/]],
    'log-group-without-retention.json': [['GetHealthLambdaFunction', /GetHealthLogGroup .* no RetentionInDays/]],
    'edge-function-with-regional-log-group.json': [
      ['AddSecurityHeadersLambdaFunction', /no log group \/aws\/lambda\/us-east-1\.shop-addSecurityHeaders/],
    ],
  },
  'vpc-functions-in-private-subnets': {
    'vpc-function-in-public-subnet.json': [
      ['PlaceOrderLambdaFunction', /PublicSubnetA, which gives public IP addresses/],
      ['PlaceOrderLambdaFunction', /PublicSubnetA, which routes to an internet gateway \(PublicDefaultRoute\)/],
    ],
    'vpc-function-behind-nat-gateway.json': [
      ['PlaceOrderLambdaFunction', /PrivateSubnetA, which routes to a NAT gateway/],
      ['PlaceOrderLambdaFunction', /PrivateSubnetB, which routes to a NAT gateway/],
    ],
    'vpc-function-in-one-availability-zone.json': [['PlaceOrderLambdaFunction', /1 known Availability Zone/]],
    'vpc-subnets-on-main-route-table.json': [
      ['PlaceOrderLambdaFunction', /PrivateSubnetA, which has no route table association/],
      ['PlaceOrderLambdaFunction', /PrivateSubnetB, which has no route table association/],
    ],
    'vpc-function-in-undeclared-subnet.json': [
      ['PlaceOrderLambdaFunction', /subnet \$\{ExistingSubnetId\}, not declared in this template/],
      ['PlaceOrderLambdaFunction', /1 known Availability Zone/],
    ],
  },
};

/** Follows every rule: a VPC with private subnets in two zones, and one of everything else the rules look at. */
const compliantFixture = 'compliant-shop.json';

const violationsIn = (file: string) => checkTemplate(readTemplate(join(fixturesDir, file)));

describe('the packaged template', () => {
  it('has something for every rule to look at', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    const subjects = {
      'IAM roles': resourcesOfType(template, 'AWS::IAM::Role').length,
      'S3 buckets': resourcesOfType(template, 'AWS::S3::Bucket').length,
      'Firehose delivery streams': resourcesOfType(template, 'AWS::KinesisFirehose::DeliveryStream').length,
      'RDS DB instances': resourcesOfType(template, 'AWS::RDS::DBInstance').length,
      'security groups': resourcesOfType(template, 'AWS::EC2::SecurityGroup').length,
      'HTTP API routes': resourcesOfType(template, 'AWS::ApiGatewayV2::Route').length,
      'S3-invoked functions': resourcesOfType(template, 'AWS::Lambda::Permission').filter(
        ([, permission]) => permission.Properties?.Principal === 's3.amazonaws.com',
      ).length,
      'SQS event source mappings': resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').length,
      functions: functions.length,
      'VPC functions': functions.filter(([, fn]) => fn.Properties?.VpcConfig !== undefined).length,
    };
    expect(Object.keys(subjects).filter((subject) => subjects[subject as keyof typeof subjects] === 0)).toEqual([]);
  });

  it('still makes each known finding (once one is mended, delete it from knownFindings)', () => {
    const found = checkTemplate(template);
    const mended = knownFindings.filter((known) => !found.some((violation) => matches(known, violation)));
    expect(mended.map(({ rule, logicalId }) => `${rule}  ${logicalId}`)).toEqual([]);
  });
});

describe.each(securityRules)('rule $id', (rule) => {
  it('finds nothing in the packaged template', () => {
    const found = checkTemplate(template, [rule]).filter((violation) => !isKnown(violation));
    expect(formatViolations(found)).toEqual([]);
  });

  for (const [file, expected] of Object.entries(fixtures[rule.id] ?? {}))
    it(`${expected.length > 0 ? 'flags' : 'lets through'} ${file}${expected.length > 0 ? ', and nothing else' : ''}`, () => {
      expect(violationsIn(file)).toEqual(
        expected.map(([logicalId, message]) => ({ rule: rule.id, logicalId, message: expect.stringMatching(message) })),
      );
    });
});

describe('the fixture templates', () => {
  it(`${compliantFixture} breaks no rule`, () => {
    expect(formatViolations(violationsIn(compliantFixture))).toEqual([]);
  });

  it('break every rule, and each is listed above', () => {
    const unbroken = securityRules.filter((rule) => !Object.values(fixtures[rule.id] ?? {}).some((v) => v.length > 0));
    expect(unbroken.map((rule) => rule.id)).toEqual([]);
    const listed = [compliantFixture, ...Object.values(fixtures).flatMap(Object.keys)];
    expect(readdirSync(fixturesDir).sort()).toEqual(listed.sort());
  });
});
