/**
 * The Application Load Balancer of serverless.yml as the local listener serves it: its listener's
 * rules in priority order (path-pattern and http-request-method conditions), each forwarding to a
 * target group of type lambda (the function it registers, and whether it sends multi-value
 * headers), and the listener's default action. Read from the resources, honouring their
 * Condition: nothing here is listed twice.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html
 */
import type { CfnResource, ServiceConfig } from '../../../service-config';
import { resourceExists } from '../../conditions';
import { referencedFunctionKey } from '../../lambda/invoke';
import { localAccountId } from '../../local-resources';

export interface AlbTarget {
  kind: 'forward';
  functionKey: string;
  targetGroupArn: string;
  /** The target group's lambda.multi_value_headers.enabled. */
  multiValueHeaders: boolean;
}

export interface FixedResponse {
  kind: 'fixed-response';
  statusCode: number;
  contentType: string;
  body: string;
}

export type AlbAction = AlbTarget | FixedResponse;

export interface AlbRule {
  priority: number;
  /** As declared, e.g. `/ops/*`. */
  paths: string[];
  /** Any of these matches (ALB: case-sensitive, `*` any characters, `?` one). */
  pathPatterns: RegExp[];
  /** Upper case; undefined: any method. */
  methods?: string[];
  action: AlbAction;
}

export interface AlbListener {
  logicalId: string;
  rules: AlbRule[];
  defaultAction: AlbAction;
}

const elbv2 = 'AWS::ElasticLoadBalancingV2::';

/** ALB's path pattern as a regular expression over the whole path. */
export function pathPattern(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

const refOf = (value: unknown) => (value as { Ref?: unknown } | null)?.Ref;

function action(
  config: ServiceConfig,
  declared: Record<string, unknown>,
  resources: Record<string, CfnResource>,
): AlbAction {
  if (declared.Type === 'fixed-response') {
    const fixed = declared.FixedResponseConfig as { StatusCode: string; ContentType?: string; MessageBody?: string };
    return {
      kind: 'fixed-response',
      statusCode: Number(fixed.StatusCode),
      contentType: fixed.ContentType ?? 'text/plain',
      body: fixed.MessageBody ?? '',
    };
  }
  if (declared.Type !== 'forward') throw new Error(`ALB action ${String(declared.Type)} is not served locally`);
  const forwardTo =
    declared.TargetGroupArn ??
    (declared.ForwardConfig as { TargetGroups?: { TargetGroupArn: unknown }[] } | undefined)?.TargetGroups?.[0]
      ?.TargetGroupArn;
  const groupId = refOf(forwardTo);
  const group = typeof groupId === 'string' ? resources[groupId] : undefined;
  if (!group || group.Type !== `${elbv2}TargetGroup`) throw new Error('ALB forward action names no target group');
  const properties = group.Properties ?? {};
  if (properties.TargetType !== 'lambda') throw new Error(`Target group ${String(groupId)} is not of type lambda`);
  const targets = (properties.Targets ?? []) as { Id: unknown }[];
  const functionKey = targets[0] && referencedFunctionKey(targets[0].Id, config);
  if (!functionKey) throw new Error(`Target group ${String(groupId)} registers no function of this service`);
  const attributes = (properties.TargetGroupAttributes ?? []) as { Key: string; Value: string }[];
  const name = typeof properties.Name === 'string' ? properties.Name : String(groupId);
  return {
    kind: 'forward',
    functionKey,
    targetGroupArn: `arn:aws:elasticloadbalancing:${config.provider.region}:${localAccountId}:targetgroup/${name}/local`,
    multiValueHeaders: attributes.some((a) => a.Key === 'lambda.multi_value_headers.enabled' && a.Value === 'true'),
  };
}

function rule(config: ServiceConfig, declared: CfnResource, resources: Record<string, CfnResource>): AlbRule {
  const properties = declared.Properties ?? {};
  const conditions = (properties.Conditions ?? []) as {
    Field: string;
    PathPatternConfig?: { Values: string[] };
    HttpRequestMethodConfig?: { Values: string[] };
    Values?: string[];
  }[];
  const built: AlbRule = {
    priority: Number(properties.Priority),
    paths: [],
    pathPatterns: [],
    action: action(config, ((properties.Actions ?? []) as Record<string, unknown>[])[0] ?? {}, resources),
  };
  for (const condition of conditions) {
    if (condition.Field === 'path-pattern') {
      const values = condition.PathPatternConfig?.Values ?? condition.Values ?? [];
      built.paths.push(...values);
      built.pathPatterns.push(...values.map(pathPattern));
    } else if (condition.Field === 'http-request-method') {
      built.methods = (condition.HttpRequestMethodConfig?.Values ?? []).map((m) => m.toUpperCase());
    } else {
      // A condition the listener cannot test would make a rule match what AWS does not.
      throw new Error(`ALB rule condition ${condition.Field} is not served locally`);
    }
  }
  return built;
}

/** The listeners of the stack's load balancers that exist on this stage, each with its rules. */
export function albListeners(config: ServiceConfig): AlbListener[] {
  const resources = Object.fromEntries(
    Object.entries(config.resources.Resources).filter(([, r]) => resourceExists(config, r)),
  );
  const of = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === `${elbv2}${type}`);
  return of('Listener').map(([logicalId, listener]) => ({
    logicalId,
    rules: of('ListenerRule')
      .filter(([, r]) => refOf(r.Properties?.ListenerArn) === logicalId)
      .map(([, r]) => rule(config, r, resources))
      .sort((a, b) => a.priority - b.priority),
    defaultAction: action(
      config,
      ((listener.Properties?.DefaultActions ?? []) as Record<string, unknown>[])[0] ?? {},
      resources,
    ),
  }));
}

/** The action for a request: the first rule whose conditions all hold, else the default. */
export function route(listener: AlbListener, method: string, path: string): AlbAction {
  const matched = listener.rules.find(
    (r) =>
      (r.pathPatterns.length === 0 || r.pathPatterns.some((p) => p.test(path))) &&
      (r.methods === undefined || r.methods.includes(method.toUpperCase())),
  );
  return matched?.action ?? listener.defaultAction;
}
