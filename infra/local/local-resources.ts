/**
 * The resources of serverless.yml as the local stack has them, and the CloudFormation intrinsics
 * (Ref, Fn::GetAtt, Fn::Sub, Fn::Join) resolved against them: by the service modules as they
 * create their resources (in the order of services.ts, so a later one can name an earlier one's),
 * by the triggers, and by the functions' environment (resolve-local-environment.ts). Nothing is
 * listed twice: a resource added to infra/resources/ is created by the module for its type.
 */
import type { ServiceConfig } from '../service-config';

export interface LocalResource {
  type: string;
  /** What `Ref` returns: table name, bucket name, queue URL. */
  ref: string;
  arn?: string;
  /** What `Fn::GetAtt` gives besides Arn, e.g. a table's `StreamArn`. */
  attributes?: Record<string, string>;
}

/** The account id in every local ARN (what DynamoDB Local and most emulators use too). */
export const localAccountId = '000000000000';

type Json = unknown;

/** Resolves the intrinsic functions our resource files use: Ref, Fn::GetAtt, Fn::Sub, Fn::Join. */
export class Intrinsics {
  private readonly maps: Map<string, LocalResource>[];

  constructor(
    private readonly pseudo: Record<string, string>,
    resources: Map<string, LocalResource> | Map<string, LocalResource>[],
  ) {
    this.maps = Array.isArray(resources) ? resources : [resources];
  }

  /** These intrinsics, seeing `more` resources too (those a module is creating). */
  with(more: Map<string, LocalResource>): Intrinsics {
    return new Intrinsics(this.pseudo, [...this.maps, more]);
  }

  private resource(name: string): LocalResource | undefined {
    for (const map of this.maps) {
      const found = map.get(name);
      if (found) return found;
    }
    return undefined;
  }

  private ref(name: string): string {
    const value = this.pseudo[name] ?? this.resource(name)?.ref;
    if (value === undefined) throw new Error(`Ref to ${name}, which the local stack has not created (yet)`);
    return value;
  }

  private getAtt(name: string, attribute: string): string {
    const resource = this.resource(name);
    if (attribute === 'Arn' && resource?.arn) return resource.arn;
    if (attribute === 'QueueName' && resource) return resource.ref.split('/').at(-1)!;
    const value = resource?.attributes?.[attribute];
    if (value !== undefined) return value;
    throw new Error(`Fn::GetAtt ${name}.${attribute} is not available locally`);
  }

  private sub(template: string, variables: Record<string, Json> = {}): string {
    // `${!Literal}` is CloudFormation's escape for a literal `${Literal}`.
    return template.replace(/\$\{(!?)([^}]+)\}/g, (_, escaped: string, expression: string) => {
      if (escaped) return `\${${expression}}`;
      if (expression in variables) return String(this.resolve(variables[expression]));
      const [name, attribute] = expression.split('.');
      return attribute ? this.getAtt(name!, attribute) : this.ref(name!);
    });
  }

  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [key, argument] = entries[0] ?? [];
    if (entries.length === 1) {
      if (key === 'Ref') return this.ref(argument as string);
      if (key === 'Fn::GetAtt') {
        const [name, attribute] = (Array.isArray(argument) ? argument : String(argument).split('.')) as [
          string,
          string,
        ];
        return this.getAtt(name, attribute);
      }
      if (key === 'Fn::Sub') {
        return Array.isArray(argument)
          ? this.sub(argument[0] as string, argument[1] as Record<string, Json>)
          : this.sub(argument as string);
      }
      if (key === 'Fn::Join') {
        const [delimiter, parts] = argument as [string, Json[]];
        return parts.map((part) => this.resolve(part)).join(delimiter);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }
}

/** Intrinsics with the local stack's pseudo-parameters, resolving against `resources`. */
export function localIntrinsics(config: ServiceConfig, resources: Map<string, LocalResource>): Intrinsics {
  return new Intrinsics(
    {
      'AWS::Region': config.provider.region,
      'AWS::AccountId': localAccountId,
      'AWS::StackName': `${config.service}-${config.provider.stage}`,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    },
    resources,
  );
}
