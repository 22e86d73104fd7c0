/**
 * A Serverless plugin that finishes what serverless-iam-roles-per-function starts, when packaging:
 *
 * - The framework's `cloudFront` event lets edgelambda.amazonaws.com assume its default role
 *   (IamRoleLambdaExecution), and serverless-iam-roles-per-function copies that role for every
 *   function, so every API function's role would trust Lambda@Edge. Only the edge function's own
 *   role (SecurityHeadersEdgeRole, infra/resources/web.yml) should; the copies lose it here.
 * - The default role itself, with its `logs:*` wildcards, is then used by no function: it is
 *   removed from the template instead of being deployed unused.
 * - For a VPC function, serverless-iam-roles-per-function attaches the managed policy
 *   AWSLambdaVPCAccessExecutionRole, which also grants the logs actions on every log group in the
 *   account. It is replaced by the network-interface actions alone (the role already has its own
 *   log group's actions).
 *
 * It runs on `before:package:finalize`, after serverless-iam-roles-per-function (listed before it
 * in serverless.yml) has made the roles and before resources/ are merged in.
 */
import { templateReferences } from './template-references';

interface Statement {
  Effect?: string;
  Action?: string[];
  Resource?: unknown;
  Principal?: { Service?: string | string[] };
}
interface Resource {
  Type: string;
  Properties?: {
    AssumeRolePolicyDocument?: { Statement?: Statement[] };
    ManagedPolicyArns?: unknown[];
    Policies?: { PolicyDocument: { Statement: Statement[] } }[];
  };
}
interface Serverless {
  service: { provider: { compiledCloudFormationTemplate: { Resources: Record<string, Resource> } } };
}

const defaultRole = 'IamRoleLambdaExecution';
const vpcAccessPolicy = ':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole';

/**
 * What Lambda needs to put a function's network interfaces in the VPC. EC2 offers no narrower
 * resource for these (Describe* has no resource-level permissions at all; Lambda creates and
 * deletes the interfaces with this role), so "*" is the form AWS documents.
 */
export const vpcNetworkInterfaceStatement: Statement = {
  Effect: 'Allow',
  Action: [
    'ec2:CreateNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSubnets',
    'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses',
    'ec2:UnassignPrivateIpAddresses',
  ],
  Resource: '*',
};

const isVpcAccessPolicy = (arn: unknown) => JSON.stringify(arn).includes(vpcAccessPolicy);
const edgePrincipal = 'edgelambda.amazonaws.com';

/** Whether `value` refers to `logicalId` anywhere (Ref, Fn::GetAtt, Fn::Sub). */
export function refersTo(value: unknown, logicalId: string): boolean {
  return templateReferences(value).includes(logicalId);
}

export function tidyRoles(resources: Record<string, Resource>): void {
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const properties = resource.Properties ?? {};
    for (const statement of properties.AssumeRolePolicyDocument?.Statement ?? []) {
      const services = statement.Principal?.Service;
      if (Array.isArray(services)) statement.Principal!.Service = services.filter((s) => s !== edgePrincipal);
    }
    if (properties.ManagedPolicyArns?.some(isVpcAccessPolicy)) {
      properties.ManagedPolicyArns = properties.ManagedPolicyArns.filter((arn) => !isVpcAccessPolicy(arn));
      properties.Policies?.[0]?.PolicyDocument.Statement.push(structuredClone(vpcNetworkInterfaceStatement));
    }
  }
  const { [defaultRole]: _unused, ...others } = resources;
  if (resources[defaultRole] && !refersTo(others, defaultRole)) delete resources[defaultRole];
}

export default class TidyRoles {
  readonly hooks: Record<string, () => void>;

  constructor(serverless: Serverless) {
    this.hooks = {
      'before:package:finalize': () => tidyRoles(serverless.service.provider.compiledCloudFormationTemplate.Resources),
    };
  }
}
