/**
 * Reading a CloudFormation template the way the template tests need to: resources by type, and
 * intrinsic functions resolved only as far as telling which resource a value names (Ref,
 * Fn::GetAtt, an Fn::Sub of one logical ID) or comparing two values as text (render).
 */
import { readFileSync } from 'node:fs';

export interface Resource {
  Type: string;
  Properties?: Record<string, any>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
}

export interface Template {
  Description?: string;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown }>;
}

export const readTemplate = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Template;

export const resourcesOfType = (template: Template, type: string) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/** A property CloudFormation takes as one value or a list of them, as a list. */
export const list = (value: unknown): unknown[] => (value === undefined ? [] : [value].flat());

/** `${Name}` or `${Name.Attribute}`, the whole of an Fn::Sub string. */
const oneVariable = /^\$\{([A-Za-z0-9]+)(?:\.[^}]+)?\}$/;

/** The logical ID a value points at: `Ref`, `Fn::GetAtt`, or an `Fn::Sub` that is exactly `${Id}` / `${Id.Attribute}`. */
export function logicalIdOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { Ref: ref, 'Fn::GetAtt': getAtt, 'Fn::Sub': sub } = value as Record<string, unknown>;
  if (typeof ref === 'string') return ref;
  if (Array.isArray(getAtt)) return String(getAtt[0]);
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  const text: unknown = Array.isArray(sub) ? sub[0] : sub;
  if (typeof text === 'string') return oneVariable.exec(text)?.[1];
  return undefined;
}

/**
 * A value as text, for comparing values written in different ways: `Ref: X` is `${X}`,
 * `Fn::GetAtt: [X, Arn]` is `${X.Arn}` (as Fn::Sub writes them), an Fn::Sub is its text with its
 * own variables filled in, an Fn::Join is joined. Any other intrinsic is its JSON.
 */
export function render(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  const { Ref: ref, 'Fn::GetAtt': getAtt, 'Fn::Sub': sub, 'Fn::Join': join } = value as Record<string, any>;
  if (typeof ref === 'string') return `\${${ref}}`;
  if (getAtt !== undefined) return `\${${list(getAtt).join('.')}}`;
  if (sub !== undefined) {
    const [text, variables = {}] = list(sub) as [string, Record<string, unknown>?];
    return text.replace(/\$\{([^}!]+)\}/g, (whole, name: string) =>
      name in variables ? render(variables[name]) : whole,
    );
  }
  if (Array.isArray(join)) return (join[1] as unknown[]).map(render).join(join[0] as string);
  return JSON.stringify(value);
}

/** The Lambda function (its logical ID) a value names: the function, or a version or alias of it. */
export function functionIdOf(template: Template, value: unknown): string | undefined {
  const id = logicalIdOf(value);
  const resource = id === undefined ? undefined : template.Resources[id];
  if (resource?.Type === 'AWS::Lambda::Function') return id;
  if (resource?.Type === 'AWS::Lambda::Version' || resource?.Type === 'AWS::Lambda::Alias')
    return functionIdOf(template, resource.Properties?.FunctionName);
  // A plain function name, as some resources take it.
  return resourcesOfType(template, 'AWS::Lambda::Function').find(
    ([, fn]) => fn.Properties?.FunctionName !== undefined && render(fn.Properties.FunctionName) === render(value),
  )?.[0];
}

/**
 * The functions CloudFront runs at the edge (Lambda@Edge): those whose version a distribution's
 * cache behaviour associates. They follow Lambda@Edge's rules instead of some of the stack's own
 * (runtime, architecture, tracing, where their logs go).
 */
export function edgeFunctionIds(template: Template): string[] {
  const associations = resourcesOfType(template, 'AWS::CloudFront::Distribution').flatMap(([, distribution]) => {
    const config = distribution.Properties?.DistributionConfig ?? {};
    return [config.DefaultCacheBehavior, ...(config.CacheBehaviors ?? [])].flatMap(
      (behavior) => behavior?.LambdaFunctionAssociations ?? [],
    );
  });
  const ids = associations.map((association) => functionIdOf(template, association.LambdaFunctionARN));
  return [...new Set(ids.filter((id) => id !== undefined))];
}
