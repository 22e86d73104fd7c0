/**
 * Shelf's security rules, as code: each one reads a packaged CloudFormation template and names the
 * resources that break it. tests/template/security-rules.test.ts runs them on the template
 * `serverless package` writes, and on small fixture templates that each break a rule on purpose
 * (tests/fixtures/templates/), which proves every rule can fail. docs/template-checks.md says why
 * each rule exists and how to add one.
 */
import {
  edgeFunctionIds,
  functionIdOf,
  list,
  logicalIdOf,
  render,
  resourcesOfType,
  type Resource,
  type Template,
} from './cloudformation';

/** What a rule found: the resource (logical ID) and what is wrong with it. */
export interface Finding {
  logicalId: string;
  message: string;
}

export interface Violation extends Finding {
  rule: string;
}

export interface Rule {
  id: string;
  description: string;
  check(template: Template): Finding[];
}

const isTrue = (value: unknown) => value === true || value === 'true';
const isFalse = (value: unknown) => value === false || value === 'false';

// ---- IAM policy documents, wherever a template can hold one ----

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

interface PolicyStatement {
  /** A KMS key policy's: its Resource "*" means the key itself. */
  inKeyPolicy?: boolean;
  /** The resource holding the document. */
  logicalId: string;
  /** Which document and statement, for messages: `policy shelf-dev-lambda, statement 3`. */
  at: string;
  statement: Statement;
}

/** Resources whose Policies property lists inline policies. */
const inlinePolicyHolders = new Set(['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group']);

/** Resources whose PolicyDocument property is one policy: identity policies and resource policies. */
const policyDocumentHolders = new Set([
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::RolePolicy',
  'AWS::IAM::UserPolicy',
  'AWS::IAM::GroupPolicy',
  'AWS::S3::BucketPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::TopicPolicy',
]);

/**
 * Every statement of every policy document in the template: roles' inline policies and trust
 * policies, IAM policy resources, bucket, queue and topic policies, and KMS key policies (whose
 * Resource is always "*", meaning the key itself).
 */
function policyStatements(template: Template): PolicyStatement[] {
  const documents: { logicalId: string; name: string; document: any; inKeyPolicy?: boolean }[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    if (inlinePolicyHolders.has(resource.Type))
      for (const policy of list(properties.Policies) as Record<string, unknown>[])
        documents.push({ logicalId, name: `policy ${render(policy.PolicyName)}`, document: policy.PolicyDocument });
    if (resource.Type === 'AWS::IAM::Role')
      documents.push({ logicalId, name: 'trust policy', document: properties.AssumeRolePolicyDocument });
    if (policyDocumentHolders.has(resource.Type))
      documents.push({ logicalId, name: 'policy', document: properties.PolicyDocument });
    if (resource.Type === 'AWS::KMS::Key')
      documents.push({ logicalId, name: 'key policy', document: properties.KeyPolicy, inKeyPolicy: true });
  }
  return documents.flatMap(({ logicalId, name, document, inKeyPolicy }) =>
    (list(document?.Statement) as Statement[]).map((statement, index) => ({
      ...(inKeyPolicy ? { inKeyPolicy } : {}),
      logicalId,
      at: `${name}, statement ${statement.Sid ?? index + 1}`,
      statement,
    })),
  );
}

/**
 * Allow statements only. A Deny takes away from whatever any Allow grants, so a wildcard in a
 * Deny can only take away more, never give more: the buckets' DenyInsecureTransport denies `s3:*`
 * over plain HTTP, which is the point of it.
 */
const allowStatements = (template: Template) =>
  policyStatements(template).filter(({ statement }) => statement.Effect === 'Allow');

const actionsOf = (statement: Statement) => list(statement.Action).map(render);

const noWildcardActions: Rule = {
  id: 'iam-no-wildcard-actions',
  description:
    'No policy allows a wildcard action (`*`, `s3:*`, `s3:Get*`) or uses NotAction in an Allow: every grant names its actions.',
  check: (template) =>
    allowStatements(template).flatMap(({ logicalId, at, statement }) => {
      const findings: Finding[] = [];
      const wildcards = actionsOf(statement).filter((action) => action.includes('*'));
      if (wildcards.length > 0)
        findings.push({ logicalId, message: `${at} allows ${wildcards.join(', ')}: name the actions instead` });
      if (statement.NotAction !== undefined)
        findings.push({
          logicalId,
          message: `${at} allows every action but ${list(statement.NotAction).map(render).join(', ')} (NotAction)`,
        });
      return findings;
    }),
};

/** Why each Lambda VPC action may be allowed on "*". */
const vpcNetworkInterfaces =
  "Lambda creates, describes and deletes a VPC function's network interfaces with the function's role; " +
  'EC2 offers no narrower resource AWS documents for them (Describe* has no resource-level permissions at all)';

/**
 * The only actions allowed on `Resource: "*"`, each because AWS has no narrower resource for it.
 * The EC2 ones are what AWS's AWSLambdaVPCAccessExecutionRole grants (ec2:DescribeSubnets too,
 * since 2024); infra/package/tidy-roles-plugin.ts puts them in VPC functions' roles instead of
 * that managed policy.
 */
const stepFunctionsLogDelivery =
  'CloudWatch Logs vended log delivery has no resource-level permissions (Step Functions logging)';

export const wildcardResourceActions: Record<string, string> = {
  'xray:PutTraceSegments': 'X-Ray has no resource-level permissions',
  'xray:PutTelemetryRecords': 'X-Ray has no resource-level permissions',
  'xray:GetSamplingRules': 'X-Ray has no resource-level permissions (a traced state machine needs it)',
  'xray:GetSamplingTargets': 'X-Ray has no resource-level permissions (a traced state machine needs it)',
  // A state machine's logging (infra/resources/fulfilment.yml): AWS documents these on "*".
  'logs:CreateLogDelivery': stepFunctionsLogDelivery,
  'logs:GetLogDelivery': stepFunctionsLogDelivery,
  'logs:UpdateLogDelivery': stepFunctionsLogDelivery,
  'logs:DeleteLogDelivery': stepFunctionsLogDelivery,
  'logs:ListLogDeliveries': stepFunctionsLogDelivery,
  'logs:PutResourcePolicy': stepFunctionsLogDelivery,
  'logs:DescribeResourcePolicies': stepFunctionsLogDelivery,
  'logs:DescribeLogGroups': stepFunctionsLogDelivery,
  'cloudwatch:PutMetricData': 'no resource-level permissions; the cloudwatch:namespace condition key narrows it',
  'cloudwatch:GetMetricData': 'no resource-level permissions (the operations endpoint reads SQS metrics)',
  'sqs:ListQueues': 'the one SQS action without resource-level permissions (the operations endpoint)',
  'ec2:CreateNetworkInterface': vpcNetworkInterfaces,
  'ec2:DescribeNetworkInterfaces': vpcNetworkInterfaces,
  'ec2:DescribeSubnets': vpcNetworkInterfaces,
  'ec2:DeleteNetworkInterface': vpcNetworkInterfaces,
  'ec2:AssignPrivateIpAddresses': vpcNetworkInterfaces,
  'ec2:UnassignPrivateIpAddresses': vpcNetworkInterfaces,
};

/**
 * AWS managed policies a role may attach (name after `arn:aws:iam::aws:policy/`), each with why.
 * Their statements are not in the template, so the rules above cannot read them: each one on this
 * list must have been read by a person. None is needed today. AWSLambdaVPCAccessExecutionRole,
 * which serverless-iam-roles-per-function attaches to VPC functions' roles, is deliberately absent:
 * it also allows the logs actions on every log group in the account, so
 * infra/package/tidy-roles-plugin.ts replaces it with the network-interface actions alone.
 */
export const allowedManagedPolicies: Record<string, string> = {};

const awsManagedPolicyName = /:iam::aws:policy\/(.+)$/;

const wildcardResources: Rule = {
  id: 'iam-wildcard-resources',
  description:
    'An Allow on every resource (`Resource: "*"`, or NotResource) only for actions AWS offers nothing narrower for ' +
    '(wildcardResourceActions), and AWS managed policies only from allowedManagedPolicies.',
  check(template) {
    const findings: Finding[] = [];
    for (const { logicalId, at, statement, inKeyPolicy } of allowStatements(template)) {
      if (inKeyPolicy) continue;
      const everyResource =
        list(statement.Resource).some((resource) => render(resource) === '*') || statement.NotResource !== undefined;
      const unlisted = actionsOf(statement).filter((action) => !(action in wildcardResourceActions));
      if (everyResource && unlisted.length > 0)
        findings.push({ logicalId, message: `${at} allows ${unlisted.join(', ')} on every resource: name them` });
    }
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (!inlinePolicyHolders.has(resource.Type)) continue;
      for (const arn of list(resource.Properties?.ManagedPolicyArns)) {
        // A managed policy declared in the template: its statements are checked above.
        if (template.Resources[logicalIdOf(arn) ?? '']?.Type === 'AWS::IAM::ManagedPolicy') continue;
        const name = awsManagedPolicyName.exec(render(arn))?.[1];
        if (name === undefined || !(name in allowedManagedPolicies))
          findings.push({
            logicalId,
            message: `attaches ${render(arn)}, which is not in allowedManagedPolicies: its statements cannot be checked here`,
          });
      }
    }
    return findings;
  },
};

// ---- S3 ----

const publicAccessSettings = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'];

/** The ways a template writes a bucket's ARN: `${Bucket.Arn}`, or arn:…:s3::: and its Ref or name. */
function bucketArns(template: Template, bucketId: string): string[] {
  const name = template.Resources[bucketId]!.Properties?.BucketName;
  const names = [`\${${bucketId}}`, ...(name === undefined ? [] : [render(name)])];
  return [`\${${bucketId}.Arn}`, ...names.flatMap((n) => [`arn:\${AWS::Partition}:s3:::${n}`, `arn:aws:s3:::${n}`])];
}

/** The statements of the bucket policies on a bucket (their Bucket is its Ref or its name). */
function bucketPolicyStatements(template: Template, bucketId: string): Statement[] {
  const name = template.Resources[bucketId]!.Properties?.BucketName;
  return resourcesOfType(template, 'AWS::S3::BucketPolicy')
    .map(([, policy]) => policy.Properties ?? {})
    .filter(({ Bucket }) => logicalIdOf(Bucket) === bucketId || (name !== undefined && render(Bucket) === render(name)))
    .flatMap(({ PolicyDocument }) => list(PolicyDocument?.Statement) as Statement[]);
}

/** Denies every S3 action to everyone, on the bucket and on its objects, when the request is not over TLS. */
function deniesInsecureTransport(statement: Statement, arns: string[]): boolean {
  const principal = statement.Principal as { AWS?: unknown } | string | undefined;
  const everyone = principal === '*' || (typeof principal === 'object' && list(principal.AWS).includes('*'));
  const resources = list(statement.Resource).map(render);
  return (
    statement.Effect === 'Deny' &&
    everyone &&
    actionsOf(statement).some((action) => action === 's3:*' || action === '*') &&
    isFalse(statement.Condition?.Bool?.['aws:SecureTransport']) &&
    arns.some((arn) => resources.includes(arn)) &&
    arns.some((arn) => resources.includes(`${arn}/*`))
  );
}

const privateEncryptedTlsBuckets: Rule = {
  id: 's3-private-encrypted-tls-only',
  description:
    'Every S3 bucket blocks public access (all four PublicAccessBlockConfiguration settings true), is encrypted ' +
    '(BucketEncryption), and has a bucket policy denying s3:* on the bucket and its objects when aws:SecureTransport is false.',
  check: (template) =>
    resourcesOfType(template, 'AWS::S3::Bucket').flatMap(([logicalId, bucket]) => {
      const properties = bucket.Properties ?? {};
      const messages: string[] = [];
      const open = publicAccessSettings.filter((s) => !isTrue(properties.PublicAccessBlockConfiguration?.[s]));
      if (open.length > 0) messages.push(`does not block public access: ${open.join(', ')} not true`);
      const encryption = list(properties.BucketEncryption?.ServerSideEncryptionConfiguration) as any[];
      if (!encryption.some((rule) => rule?.ServerSideEncryptionByDefault?.SSEAlgorithm))
        messages.push('is not encrypted: no BucketEncryption with a default SSEAlgorithm');
      const arns = bucketArns(template, logicalId);
      if (!bucketPolicyStatements(template, logicalId).some((statement) => deniesInsecureTransport(statement, arns)))
        messages.push(
          'is not TLS-only: no bucket policy denies s3:* to "*" on the bucket and its objects when aws:SecureTransport is false',
        );
      return messages.map((message) => ({ logicalId, message }));
    }),
};

// ---- Kinesis Data Firehose ----

const s3Destinations = ['ExtendedS3DestinationConfiguration', 'S3DestinationConfiguration'];

const encryptedDeliveryStreams: Rule = {
  id: 'firehose-encrypted-delivery',
  description:
    'Every Firehose delivery stream keeps its records encrypted at rest: its S3 destination names a KMS key ' +
    '(EncryptionConfiguration.KMSEncryptionConfig) or a bucket of this template (which the bucket rule holds to default ' +
    'encryption); a DirectPut stream has DeliveryStreamEncryptionConfigurationInput; a Kinesis-sourced stream reads a ' +
    'stream of this template that has StreamEncryption.',
  check: (template) =>
    resourcesOfType(template, 'AWS::KinesisFirehose::DeliveryStream').flatMap(([logicalId, stream]) => {
      const properties = stream.Properties ?? {};
      const messages: string[] = [];
      for (const key of s3Destinations) {
        const destination = properties[key];
        if (destination === undefined || destination.EncryptionConfiguration?.KMSEncryptionConfig !== undefined)
          continue;
        const bucket = template.Resources[logicalIdOf(destination.BucketARN) ?? ''];
        if (bucket?.Type !== 'AWS::S3::Bucket')
          messages.push(
            `writes to ${render(destination.BucketARN)}, a bucket not in this template, with no KMS key ` +
              '(EncryptionConfiguration.KMSEncryptionConfig): its encryption cannot be checked',
          );
      }
      if ((properties.DeliveryStreamType ?? 'DirectPut') === 'DirectPut') {
        if (properties.DeliveryStreamEncryptionConfigurationInput === undefined)
          messages.push('keeps the records put to it unencrypted: no DeliveryStreamEncryptionConfigurationInput');
      } else if (properties.DeliveryStreamType === 'KinesisStreamAsSource') {
        const arn = properties.KinesisStreamSourceConfiguration?.KinesisStreamARN;
        const sourceId = logicalIdOf(arn);
        const source = template.Resources[sourceId ?? ''];
        if (source?.Type !== 'AWS::Kinesis::Stream')
          messages.push(`reads ${render(arn)}, a stream not in this template: its encryption cannot be checked`);
        else if (source.Properties?.StreamEncryption === undefined)
          messages.push(`reads ${sourceId}, which is not encrypted (no StreamEncryption)`);
      }
      return messages.map((message) => ({ logicalId, message }));
    }),
};

// ---- RDS ----

const encryptedPrivateDatabases: Rule = {
  id: 'rds-encrypted-not-public',
  description:
    'Every RDS DB instance and cluster has StorageEncrypted true and is not publicly accessible (an instance says ' +
    'PubliclyAccessible false: left out, RDS decides by its subnets, which may be public).',
  check(template) {
    const findings: Finding[] = [];
    for (const [logicalId, db] of [
      ...resourcesOfType(template, 'AWS::RDS::DBInstance'),
      ...resourcesOfType(template, 'AWS::RDS::DBCluster'),
    ]) {
      const properties = db.Properties ?? {};
      const isInstance = db.Type === 'AWS::RDS::DBInstance';
      // An instance of a cluster (Aurora) stores nothing of its own: the cluster's encryption applies.
      const inCluster = isInstance && properties.DBClusterIdentifier !== undefined;
      if (!inCluster && !isTrue(properties.StorageEncrypted))
        findings.push({ logicalId, message: 'is not encrypted: StorageEncrypted is not true' });
      if (isInstance ? !isFalse(properties.PubliclyAccessible) : isTrue(properties.PubliclyAccessible))
        findings.push({
          logicalId,
          message: `may be publicly accessible: PubliclyAccessible is ${JSON.stringify(properties.PubliclyAccessible) ?? 'left out'}`,
        });
    }
    return findings;
  },
};

// ---- Security groups ----

interface IngressRule {
  CidrIp?: unknown;
  CidrIpv6?: unknown;
  IpProtocol?: unknown;
  FromPort?: unknown;
  ToPort?: unknown;
}

/** '0.0.0.0/0' or '::/0' when the rule lets in anyone on the internet, else undefined. */
const fromAnywhere = (rule: IngressRule) =>
  [render(rule.CidrIp), render(rule.CidrIpv6)].find((cidr) => cidr === '0.0.0.0/0' || cidr === '::/0');

const ingressMessage = (rule: IngressRule) =>
  `lets in ${fromAnywhere(rule)} on ${render(rule.IpProtocol)} ports ${render(rule.FromPort)}-${render(rule.ToPort)}`;

const noIngressFromAnywhere: Rule = {
  id: 'no-ingress-from-anywhere',
  description:
    'No security group ingress from 0.0.0.0/0 or ::/0, inline (SecurityGroupIngress) or as an AWS::EC2::SecurityGroupIngress.',
  check: (template) => [
    ...resourcesOfType(template, 'AWS::EC2::SecurityGroup').flatMap(([logicalId, group]) =>
      (list(group.Properties?.SecurityGroupIngress) as IngressRule[])
        .filter(fromAnywhere)
        .map((rule) => ({ logicalId, message: ingressMessage(rule) })),
    ),
    ...resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')
      .filter(([, rule]) => fromAnywhere(rule.Properties ?? {}))
      .map(([logicalId, rule]) => ({ logicalId, message: ingressMessage(rule.Properties ?? {}) })),
  ],
};

// ---- HTTP API ----

/**
 * The routes anyone may call without signing in: the storefront's catalog, the liveness check, and
 * the clickstream's (the web app records shoppers' clicks before they sign in; POST /events is
 * rate-limited per caller instead).
 */
export const publicRoutes = [
  'GET /products',
  'GET /products/{sku}',
  'GET /health',
  'POST /events',
  'GET /reports/trending',
];

const jwtOnPrivateRoutes: Rule = {
  id: 'jwt-on-private-routes',
  description: `Every HTTP API route but ${publicRoutes.join(', ')} has AuthorizationType JWT and an AuthorizerId naming a JWT authorizer.`,
  check: (template) =>
    resourcesOfType(template, 'AWS::ApiGatewayV2::Route').flatMap(([logicalId, route]) => {
      const { RouteKey, AuthorizationType, AuthorizerId } = route.Properties ?? {};
      if (publicRoutes.includes(RouteKey)) return [];
      const authorizer = template.Resources[logicalIdOf(AuthorizerId) ?? ''];
      const isJwt =
        AuthorizationType === 'JWT' &&
        authorizer?.Type === 'AWS::ApiGatewayV2::Authorizer' &&
        authorizer.Properties?.AuthorizerType === 'JWT';
      if (isJwt) return [];
      const authorizerText = AuthorizerId === undefined ? 'none' : render(AuthorizerId);
      return [
        {
          logicalId,
          message: `${RouteKey} is not behind the JWT authorizer (AuthorizationType ${AuthorizationType ?? 'NONE'}, authorizer ${authorizerText})`,
        },
      ];
    }),
};

// ---- Failed events ----

/** Services that invoke a function asynchronously (Lambda retries, then keeps or drops the event), by principal. */
const asyncInvokers: Record<string, string> = {
  's3.amazonaws.com': 'S3 event notifications',
  'sns.amazonaws.com': 'SNS',
  'events.amazonaws.com': 'EventBridge',
  'ses.amazonaws.com': 'SES receipt rules',
  'logs.amazonaws.com': 'CloudWatch Logs subscriptions',
  'iot.amazonaws.com': 'IoT rules',
};

function keepsFailedEvents(template: Template, functionId: string, fn: Resource): boolean {
  if (fn.Properties?.DeadLetterConfig?.TargetArn !== undefined) return true;
  return resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').some(
    ([, config]) =>
      functionIdOf(template, config.Properties?.FunctionName) === functionId &&
      config.Properties?.DestinationConfig?.OnFailure?.Destination !== undefined,
  );
}

const redrivePolicyOf = (queue: Resource): { deadLetterTargetArn?: unknown } | undefined => {
  const policy = queue.Properties?.RedrivePolicy;
  return typeof policy === 'string' ? JSON.parse(policy) : policy;
};

const failedEventsKept: Rule = {
  id: 'failed-events-kept',
  description:
    'A function invoked asynchronously (S3, SNS, EventBridge, SES, CloudWatch Logs, IoT) has an on-failure destination ' +
    '(EventInvokeConfig) or a DeadLetterConfig; a queue a function reads through an event source mapping has a ' +
    'RedrivePolicy with a deadLetterTargetArn. A custom resource function is exempt: CloudFormation invokes it too, but ' +
    "waits for the function's own answer and fails the stack operation when none comes, so no event is lost unseen.",
  check(template) {
    const findings: Finding[] = [];
    const reported = new Set<string>();
    for (const [permissionId, permission] of resourcesOfType(template, 'AWS::Lambda::Permission')) {
      const invoker = asyncInvokers[render(permission.Properties?.Principal)];
      const functionId = functionIdOf(template, permission.Properties?.FunctionName);
      // A function of another stack is that stack's to check.
      if (invoker === undefined || functionId === undefined || reported.has(functionId)) continue;
      if (keepsFailedEvents(template, functionId, template.Resources[functionId]!)) continue;
      reported.add(functionId);
      findings.push({
        logicalId: functionId,
        message:
          `is invoked asynchronously by ${invoker} (${permissionId}) but has no on-failure destination ` +
          '(EventInvokeConfig DestinationConfig.OnFailure) nor DeadLetterConfig: events that keep failing are dropped',
      });
    }
    for (const [mappingId, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
      const source = mapping.Properties?.EventSourceArn;
      const queueId = logicalIdOf(source);
      const queue = template.Resources[queueId ?? ''];
      const logicalId = functionIdOf(template, mapping.Properties?.FunctionName) ?? mappingId;
      if (queue?.Type === 'AWS::SQS::Queue') {
        if (redrivePolicyOf(queue)?.deadLetterTargetArn === undefined)
          findings.push({
            logicalId,
            message: `reads ${queueId} (${mappingId}), which has no RedrivePolicy with a deadLetterTargetArn: a message that keeps failing is retried until it expires`,
          });
      } else if (queue === undefined && render(source).includes(':sqs:'))
        findings.push({
          logicalId,
          message: `reads ${render(source)} (${mappingId}), a queue not in this template: its RedrivePolicy cannot be checked`,
        });
    }
    return findings;
  },
};

// ---- Logs ----

const logGroupsWithRetention: Rule = {
  id: 'log-groups-with-retention',
  description:
    'Every function has an AWS::Logs::LogGroup named /aws/lambda/<FunctionName> with RetentionInDays; a Lambda@Edge ' +
    'function, /aws/lambda/us-east-1.<FunctionName> (where it logs in the stack region).',
  check(template) {
    const groups = new Map(
      resourcesOfType(template, 'AWS::Logs::LogGroup').map(([id, group]) => [
        render(group.Properties?.LogGroupName),
        { id, group },
      ]),
    );
    const edge = new Set(edgeFunctionIds(template));
    return resourcesOfType(template, 'AWS::Lambda::Function').flatMap(([logicalId, fn]) => {
      const name = fn.Properties?.FunctionName;
      if (name === undefined)
        return [{ logicalId, message: 'has no FunctionName, so the template cannot declare its log group' }];
      const groupName = `/aws/lambda/${edge.has(logicalId) ? 'us-east-1.' : ''}${render(name)}`;
      const found = groups.get(groupName);
      if (found === undefined)
        return [
          { logicalId, message: `has no log group ${groupName}: Lambda would create one that keeps logs forever` },
        ];
      if (found.group.Properties?.RetentionInDays === undefined)
        return [{ logicalId, message: `has a log group ${found.id} (${groupName}) with no RetentionInDays` }];
      return [];
    });
  },
};

// ---- VPC ----

/** Why a subnet is not private: routes out to the internet, or a route table the template does not show. */
function internetRoutes(template: Template, subnetId: string): string[] {
  const tables = resourcesOfType(template, 'AWS::EC2::SubnetRouteTableAssociation')
    .filter(([, association]) => logicalIdOf(association.Properties?.SubnetId) === subnetId)
    .map(([, association]) => logicalIdOf(association.Properties?.RouteTableId));
  if (tables.length === 0)
    return ["has no route table association: it uses the VPC's main route table, which the template does not show"];
  return resourcesOfType(template, 'AWS::EC2::Route')
    .filter(([, route]) => tables.includes(logicalIdOf(route.Properties?.RouteTableId)))
    .flatMap(([routeId, route]) => {
      const { GatewayId, NatGatewayId, EgressOnlyInternetGatewayId } = route.Properties ?? {};
      const gateway = template.Resources[logicalIdOf(GatewayId) ?? ''];
      const reasons: string[] = [];
      if (gateway?.Type === 'AWS::EC2::InternetGateway' || render(GatewayId).startsWith('igw-'))
        reasons.push(`routes to an internet gateway (${routeId})`);
      if (NatGatewayId !== undefined) reasons.push(`routes to a NAT gateway (${routeId})`);
      if (EgressOnlyInternetGatewayId !== undefined)
        reasons.push(`routes to an egress-only internet gateway (${routeId})`);
      return reasons;
    });
}

const vpcFunctionsInPrivateSubnets: Rule = {
  id: 'vpc-functions-in-private-subnets',
  description:
    "A VPC function's subnets are declared in the template, private (MapPublicIpOnLaunch not true; their route table " +
    'has no route to an internet, egress-only or NAT gateway) and in at least two Availability Zones.',
  check: (template) =>
    resourcesOfType(template, 'AWS::Lambda::Function')
      .filter(([, fn]) => fn.Properties?.VpcConfig !== undefined)
      .flatMap(([logicalId, fn]) => {
        const messages: string[] = [];
        const zones = new Set<string>();
        for (const value of list(fn.Properties!.VpcConfig.SubnetIds)) {
          const subnetId = logicalIdOf(value) ?? '';
          const subnet = template.Resources[subnetId];
          if (subnet?.Type !== 'AWS::EC2::Subnet') {
            messages.push(`uses subnet ${render(value)}, not declared in this template: it cannot be checked`);
            continue;
          }
          const zone = subnet.Properties?.AvailabilityZone ?? subnet.Properties?.AvailabilityZoneId;
          if (zone !== undefined) zones.add(JSON.stringify(zone));
          if (isTrue(subnet.Properties?.MapPublicIpOnLaunch))
            messages.push(`uses subnet ${subnetId}, which gives public IP addresses (MapPublicIpOnLaunch)`);
          messages.push(
            ...internetRoutes(template, subnetId).map((reason) => `uses subnet ${subnetId}, which ${reason}`),
          );
        }
        if (zones.size < 2)
          messages.push(
            `has subnets in ${zones.size} known Availability Zone(s): it needs two, to survive one's outage`,
          );
        return messages.map((message) => ({ logicalId, message }));
      }),
};

export const securityRules: Rule[] = [
  noWildcardActions,
  wildcardResources,
  privateEncryptedTlsBuckets,
  encryptedDeliveryStreams,
  encryptedPrivateDatabases,
  noIngressFromAnywhere,
  jwtOnPrivateRoutes,
  failedEventsKept,
  logGroupsWithRetention,
  vpcFunctionsInPrivateSubnets,
];

/** What the rules (all of them, unless told) find in a template. */
export const checkTemplate = (template: Template, rules: Rule[] = securityRules): Violation[] =>
  rules.flatMap((rule) => rule.check(template).map((finding) => ({ rule: rule.id, ...finding })));

/** One line per violation: `rule-id  LogicalId: what is wrong`. */
export const formatViolations = (violations: Violation[]): string[] =>
  violations.map(({ rule, logicalId, message }) => `${rule}  ${logicalId}: ${message}`);
