/**
 * The AWS::DynamoDB::Table resources of serverless.yml created on DynamoDB Local: their properties
 * become CreateTable (and UpdateTimeToLive); a table already there from an earlier start is kept.
 * A table with a StreamSpecification gets its stream, and `Fn::GetAtt Table.StreamArn` gives the
 * stream's local ARN.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type StreamViewType,
} from '@aws-sdk/client-dynamodb';
import type { CfnResource } from '../../../service-config';
import type { ResourceContext, StartedService } from '../local-service';
import { localAccountId, type LocalResource } from '../../local-resources';

/**
 * DynamoDB Local names its streams' region `ddblocal`; events and ARNs in serverless.yml carry the
 * stack's region. The ARN shape is AWS's: arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>.
 */
export function localStreamArn(dynamoDbLocalArn: string, region: string): string {
  return dynamoDbLocalArn.replace(/^arn:aws:dynamodb:ddblocal:/, `arn:aws:dynamodb:${region}:`);
}

/** The reverse: the ARN DynamoDB Local's Streams API answers to. */
export function dynamoDbLocalStreamArn(localArn: string): string {
  return localArn.replace(/^arn:aws:dynamodb:[^:]+:/, 'arn:aws:dynamodb:ddblocal:');
}

type Json = unknown;

function tableInput(props: Record<string, Json>): CreateTableCommandInput {
  const pick = [
    'TableName',
    'AttributeDefinitions',
    'KeySchema',
    'GlobalSecondaryIndexes',
    'LocalSecondaryIndexes',
    'BillingMode',
    'ProvisionedThroughput',
  ];
  const input = Object.fromEntries(
    pick.filter((k) => props[k] !== undefined).map((k) => [k, props[k]]),
  ) as unknown as CreateTableCommandInput;
  // CloudFormation's StreamSpecification has only the view type; the API wants the stream enabled too.
  const stream = props.StreamSpecification as { StreamViewType?: StreamViewType } | undefined;
  if (stream?.StreamViewType)
    input.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.StreamViewType };
  return input;
}

export async function createTables(
  declared: [logicalId: string, resource: CfnResource][],
  context: ResourceContext<StartedService & { endpoint: string }>,
): Promise<Map<string, LocalResource>> {
  const { region } = context;
  const dynamodb = new DynamoDBClient({ region, credentials: context.credentials, endpoint: context.started.endpoint });
  const created = new Map<string, LocalResource>();
  try {
    for (const [id, resource] of declared) {
      const p = context.intrinsics.resolve(resource.Properties ?? {}) as Record<string, Json>;
      const input = tableInput(p);
      try {
        await dynamodb.send(new CreateTableCommand(input));
        const ttl = p.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
        if (ttl?.Enabled) {
          await dynamodb.send(
            new UpdateTimeToLiveCommand({ TableName: input.TableName, TimeToLiveSpecification: ttl }),
          );
        }
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      const local: LocalResource = {
        type: resource.Type,
        ref: input.TableName!,
        arn: `arn:aws:dynamodb:${region}:${localAccountId}:table/${input.TableName}`,
      };
      if (input.StreamSpecification) {
        local.attributes = { StreamArn: localStreamArn(await tableStream(dynamodb, input), region) };
      }
      created.set(id, local);
    }
  } finally {
    dynamodb.destroy();
  }
  return created;
}

/** The table's stream ARN; a table kept from a start before it had a stream gets one now. */
async function tableStream(dynamodb: DynamoDBClient, input: CreateTableCommandInput): Promise<string> {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: input.TableName }));
  if (Table?.StreamSpecification?.StreamEnabled && Table.LatestStreamArn) return Table.LatestStreamArn;
  const { TableDescription } = await dynamodb.send(
    new UpdateTableCommand({ TableName: input.TableName, StreamSpecification: input.StreamSpecification }),
  );
  if (!TableDescription?.LatestStreamArn) throw new Error(`${input.TableName} has no stream after UpdateTable`);
  return TableDescription.LatestStreamArn;
}
