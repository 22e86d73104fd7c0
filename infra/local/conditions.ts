/**
 * CloudFormation conditions as the local stack sees them: the stack's parameters at their defaults
 * (which serverless.yml's params set per stage), and the condition functions our resource files
 * use (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition). A resource whose Condition does not hold
 * does not exist locally either (the operations endpoint's load balancer off on a stage).
 */
import type { CfnResource, ServiceConfig } from '../service-config';

type Json = unknown;

export function conditionHolds(config: ServiceConfig, name: string): boolean {
  const conditions = config.resources.Conditions ?? {};
  if (!(name in conditions)) throw new Error(`Condition ${name} is not declared`);
  return Boolean(evaluate(config, conditions[name]));
}

/** The resource exists on this stack: it has no Condition, or its Condition holds. */
export const resourceExists = (config: ServiceConfig, resource: CfnResource) =>
  resource.Condition === undefined || conditionHolds(config, resource.Condition);

function evaluate(config: ServiceConfig, value: Json): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const [[key, argument] = []] = Object.entries(value);
  const args = (argument ?? []) as Json[];
  switch (key) {
    case 'Ref': {
      const parameter = config.resources.Parameters?.[argument as string];
      const value = parameter?.Default;
      if (typeof value !== 'string') throw new Error(`Ref ${String(argument)}: no parameter default locally`);
      return value;
    }
    case 'Condition':
      return conditionHolds(config, argument as string);
    case 'Fn::Equals':
      return String(evaluate(config, args[0])) === String(evaluate(config, args[1]));
    case 'Fn::Not':
      return !evaluate(config, args[0]);
    case 'Fn::And':
      return args.every((arg) => evaluate(config, arg));
    case 'Fn::Or':
      return args.some((arg) => evaluate(config, arg));
    default:
      throw new Error(`${key} is not evaluated in conditions locally`);
  }
}
