/**
 * Creates the tables, buckets and queues declared in serverless.yml's `resources` on the local
 * emulators: the CloudFormation properties become the API calls (AWS::DynamoDB::Table →
 * CreateTable, AWS::SQS::Queue → CreateQueue with its RedrivePolicy, AWS::S3::Bucket →
 * CreateBucket). Nothing is listed twice: a resource added to infra/resources/ appears here.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketCorsCommand,
  S3Client,
  type CORSRule,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createTableStreamSpecification } from './aws/dynamodb/stream-reader';
import type { CfnResource, ServiceConfig } from './service-config';

export interface LocalEndpoints {
  dynamodb: string;
  s3: string;
  sqs: string;
}

export interface LocalResource {
  type: string;
  /** What `Ref` returns: table name, bucket name, queue URL. */
  ref: string;
  arn?: string;
}

const localAccountId = '000000000000';

type Json = unknown;

/** Resolves the intrinsic functions our resource files use: Ref, Fn::GetAtt, Fn::Sub, Fn::Join. */
export class Intrinsics {
  constructor(
    private readonly pseudo: Record<string, string>,
    private readonly resources: Map<string, LocalResource>,
  ) {}

  private ref(name: string): string {
    const value = this.pseudo[name] ?? this.resources.get(name)?.ref;
    if (value === undefined) throw new Error(`Ref to ${name}, which the local stack has not created (yet)`);
    return value;
  }

  private getAtt(name: string, attribute: string): string {
    const resource = this.resources.get(name);
    if (attribute === 'Arn' && resource?.arn) return resource.arn;
    if (attribute === 'QueueName' && resource) return resource.ref.split('/').at(-1)!;
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

function tableInput(props: Record<string, Json>): CreateTableCommandInput {
  const pick = [
    'TableName',
    'AttributeDefinitions',
    'KeySchema',
    'GlobalSecondaryIndexes',
    'LocalSecondaryIndexes',
    'BillingMode',
    'ProvisionedThroughput',
    'StreamSpecification',
  ];
  const input = Object.fromEntries(
    pick.filter((k) => props[k] !== undefined).map((k) => [k, props[k]]),
  ) as unknown as CreateTableCommandInput;
  // CloudFormation's StreamSpecification is StreamViewType alone; CreateTable wants StreamEnabled too.
  if (input.StreamSpecification) {
    input.StreamSpecification = createTableStreamSpecification(
      props.StreamSpecification as { StreamViewType?: string },
    );
  }
  return input;
}

/** A CloudFormation CorsRule as the S3 API's CORSRule, allowing the local web origins. */
function localCorsRule(rule: Record<string, Json>, webOrigins: readonly string[]): CORSRule {
  return {
    AllowedMethods: rule.AllowedMethods as string[],
    AllowedOrigins: [...webOrigins],
    AllowedHeaders: rule.AllowedHeaders as string[] | undefined,
    ExposeHeaders: rule.ExposedHeaders as string[] | undefined,
    MaxAgeSeconds: rule.MaxAge as number | undefined,
  };
}

const queueAttributeNames = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
];

/** Queues first without redrive (so every dead-letter queue exists), then their RedrivePolicy. */
export async function createLocalResources(
  config: ServiceConfig,
  endpoints: LocalEndpoints,
  credentials: { accessKeyId: string; secretAccessKey: string },
  /** Where the local web app is served: buckets' CORS rules name it instead of CloudFront's domain. */
  webOrigins: readonly string[] = [],
): Promise<Map<string, LocalResource>> {
  const region = config.provider.region;
  const clientConfig = { region, credentials };
  const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: endpoints.dynamodb });
  const s3 = new S3Client({ ...clientConfig, endpoint: endpoints.s3, forcePathStyle: true });
  const sqs = new SQSClient({ ...clientConfig, endpoint: endpoints.sqs });

  const created = new Map<string, LocalResource>();
  const intrinsics = localIntrinsics(config, created);
  const declared = Object.entries(config.resources.Resources);
  const ofType = (type: string) => declared.filter(([, resource]) => resource.Type === type);
  const props = (resource: CfnResource) => resource.Properties ?? {};

  for (const [id, resource] of ofType('AWS::DynamoDB::Table')) {
    const p = intrinsics.resolve(props(resource)) as Record<string, Json>;
    const input = tableInput(p);
    try {
      await dynamodb.send(new CreateTableCommand(input));
      const ttl = p.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
      if (ttl?.Enabled) {
        await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: input.TableName, TimeToLiveSpecification: ttl }));
      }
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    created.set(id, {
      type: resource.Type,
      ref: input.TableName!,
      arn: `arn:aws:dynamodb:${region}:${localAccountId}:table/${input.TableName}`,
    });
  }

  for (const [id, resource] of ofType('AWS::S3::Bucket')) {
    // Notifications name functions, which are no resources here; event-sources.ts runs them.
    // CORS rules name the CloudFront domain, which locally is the local web server (web-server.ts).
    const { NotificationConfiguration: _notifications, CorsConfiguration: cors, ...unresolved } = props(resource);
    const p = intrinsics.resolve(unresolved) as Record<string, Json>;
    const bucket =
      (p.BucketName as string | undefined) ?? `${config.service}-${config.provider.stage}-${id.toLowerCase()}`;
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      // s3rver keeps buckets on disk between starts and answers BucketAlreadyExists for our own.
      if (!(error instanceof BucketAlreadyOwnedByYou || error instanceof BucketAlreadyExists)) throw error;
    }
    const corsRules = (cors as { CorsRules?: Record<string, Json>[] } | undefined)?.CorsRules;
    if (corsRules?.length) {
      await s3.send(
        new PutBucketCorsCommand({
          Bucket: bucket,
          CORSConfiguration: { CORSRules: corsRules.map((rule) => localCorsRule(rule, webOrigins)) },
        }),
      );
    }
    created.set(id, { type: resource.Type, ref: bucket, arn: `arn:aws:s3:::${bucket}` });
  }

  const queues = ofType('AWS::SQS::Queue');
  for (const [id, resource] of queues) {
    const { RedrivePolicy: _later, ...unresolved } = props(resource);
    const p = intrinsics.resolve(unresolved) as Record<string, Json>;
    const name = (p.QueueName as string | undefined) ?? `${config.service}-${config.provider.stage}-${id}`;
    const Attributes = Object.fromEntries(
      queueAttributeNames.filter((k) => p[k] !== undefined).map((k) => [k, String(p[k])]),
    );
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes }));
    const { Attributes: attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    created.set(id, { type: resource.Type, ref: QueueUrl!, arn: attributes!.QueueArn! });
  }
  for (const [id, resource] of queues) {
    const redrive = props(resource).RedrivePolicy;
    if (!redrive) continue;
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: created.get(id)!.ref,
        Attributes: { RedrivePolicy: JSON.stringify(intrinsics.resolve(redrive)) },
      }),
    );
  }

  dynamodb.destroy();
  s3.destroy();
  sqs.destroy();
  return created;
}
