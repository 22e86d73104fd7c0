/**
 * Every function's log group subscribed to the error digest (custom.errorDigest in serverless.yml:
 * the destination function and the filter pattern), derived from serverless.yml's functions so
 * that a function added later is covered with no list to keep in step:
 *
 * - one AWS::Logs::SubscriptionFilter per function's log group (the framework's `<Fn>LogGroup`),
 *   except the destination's own (its deliveries' lines would come back to it without end) and
 *   Lambda@Edge functions' (they log to a group in whichever region served the request, not to a
 *   group of this stack);
 * - one AWS::Lambda::Permission letting CloudWatch Logs invoke the destination for this stack's
 *   functions' log groups only (one permission for all of them, not one each: the template's
 *   resource budget).
 *
 * errorDigestResources is the one place that says which; the packaging plugin at the bottom adds
 * them to the template, and the local platform reads them the same way
 * (infra/local/aws/logs/subscriptions.ts).
 */
import type { CfnResource } from '../service-config';

export interface ErrorDigestConfig {
  /** The function that receives the error lines. */
  function: string;
  filterPattern: string;
}

interface Service {
  service: string;
  provider: { stage: string };
  functions: Record<string, { name?: string; events?: unknown[] }>;
  custom?: { errorDigest?: ErrorDigestConfig };
}

export const permissionId = 'ErrorDigestLogsPermission';

/** The framework's logical id prefix of a function's resources (`place-order_x` → `PlaceDashorderUnderscorex`). */
export function normalizedName(functionKey: string): string {
  const normalized = functionKey.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}`;
}

const isEdgeFunction = (events: unknown[] = []) =>
  events.some((event) => typeof event === 'object' && event !== null && 'cloudFront' in event);

/** The functions whose log groups are subscribed, by key. */
export function subscribedFunctions(service: Service): string[] {
  const digest = service.custom?.errorDigest;
  if (!digest) return [];
  return Object.entries(service.functions)
    .filter(([key, fn]) => key !== digest.function && !isEdgeFunction(fn.events))
    .map(([key]) => key);
}

/** The resources the error digest adds to the template; none without custom.errorDigest. */
export function errorDigestResources(service: Service): Record<string, CfnResource> {
  const digest = service.custom?.errorDigest;
  if (!digest) return {};
  if (!(digest.function in service.functions)) {
    throw new Error(`custom.errorDigest.function: no function "${digest.function}" in serverless.yml`);
  }
  const functionPrefix = `${service.service}-${service.provider.stage}-`;
  const destinationArn = { 'Fn::GetAtt': [`${normalizedName(digest.function)}LambdaFunction`, 'Arn'] };
  const resources: Record<string, CfnResource> = {
    [permissionId]: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: destinationArn,
        Action: 'lambda:InvokeFunction',
        Principal: 'logs.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: {
          'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionPrefix}*:*`,
        },
      },
    },
  };
  for (const key of subscribedFunctions(service)) {
    const name = service.functions[key]!.name;
    if (name !== undefined && !name.startsWith(functionPrefix)) {
      throw new Error(
        `${key}: its name ${name} does not start with ${functionPrefix}, which the error digest's permission covers`,
      );
    }
    resources[`${normalizedName(key)}ErrorDigestSubscription`] = {
      Type: 'AWS::Logs::SubscriptionFilter',
      // CloudWatch Logs checks that it may invoke the destination when the filter is created.
      DependsOn: permissionId,
      Properties: {
        LogGroupName: { Ref: `${normalizedName(key)}LogGroup` },
        FilterPattern: digest.filterPattern,
        DestinationArn: destinationArn,
      },
    };
  }
  return resources;
}

interface Serverless {
  service: Service & { provider: { compiledCloudFormationTemplate: { Resources: Record<string, CfnResource> } } };
}

export default class ErrorDigestSubscriptions {
  readonly hooks: Record<string, () => void>;

  constructor(serverless: Serverless) {
    this.hooks = {
      'before:package:finalize': () => {
        const { service } = serverless;
        const template = service.provider.compiledCloudFormationTemplate.Resources;
        const added = errorDigestResources(service);
        for (const [logicalId, resource] of Object.entries(added)) {
          const logGroup = (resource.Properties?.LogGroupName as { Ref?: string } | undefined)?.Ref;
          if (logGroup && template[logGroup]?.Type !== 'AWS::Logs::LogGroup') {
            throw new Error(`${logicalId}: the template has no log group ${logGroup} to subscribe`);
          }
          template[logicalId] = resource;
        }
      },
    };
  }
}
