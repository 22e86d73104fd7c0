// The DynamoDB module's tables: CloudFormation properties become CreateTable, a table kept from an
// earlier start stays, and a table with a stream records its local stream ARN for Fn::GetAtt.
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createTables, dynamoDbLocalStreamArn, localStreamArn } from '../../../../infra/local/aws/dynamodb/tables';
import { localIntrinsics, type LocalResource } from '../../../../infra/local/local-resources';
import type { CfnResource } from '../../../../infra/service-config';
import { serviceConfig } from './import-pipeline';

const dynamodb = mockClient(DynamoDBClient);
const streamLabel = '2026-03-01T10:00:00.000';
const ddbLocalArn = `arn:aws:dynamodb:ddblocal:000000000000:table/shelf-local-audit/stream/${streamLabel}`;

const table = (name: string, extra: Record<string, unknown> = {}): CfnResource => ({
  Type: 'AWS::DynamoDB::Table',
  Properties: {
    TableName: { 'Fn::Sub': `shelf-local-${name}` },
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    SSESpecification: { SSEEnabled: true },
    ...extra,
  },
});

function context() {
  const config = serviceConfig();
  return {
    config,
    region: 'us-east-1',
    started: { endpoint: 'http://127.0.0.1:8000' },
    intrinsics: localIntrinsics(config, new Map<string, LocalResource>()),
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    webOrigins: [],
    endpoints: {},
  };
}

beforeEach(() => {
  dynamodb.reset();
  dynamodb.on(CreateTableCommand).resolves({});
  dynamodb.on(UpdateTimeToLiveCommand).resolves({});
});

describe('DynamoDB tables', () => {
  it('creates a table from its properties, with its time to live, and gives its name and the local ARN', async () => {
    const created = await createTables(
      [['JobsTable', table('jobs', { TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } })]],
      context(),
    );

    expect(dynamodb).toHaveReceivedCommandWith(CreateTableCommand, {
      TableName: 'shelf-local-jobs',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    });
    expect(dynamodb.commandCalls(CreateTableCommand)[0]!.args[0].input).not.toHaveProperty('SSESpecification');
    expect(dynamodb).toHaveReceivedCommandWith(UpdateTimeToLiveCommand, {
      TableName: 'shelf-local-jobs',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(created.get('JobsTable')).toEqual({
      type: 'AWS::DynamoDB::Table',
      ref: 'shelf-local-jobs',
      arn: 'arn:aws:dynamodb:us-east-1:000000000000:table/shelf-local-jobs',
    });
  });

  it('keeps a table an earlier start created', async () => {
    dynamodb.on(CreateTableCommand).rejects(new ResourceInUseException({ message: 'in use', $metadata: {} }));

    const created = await createTables([['JobsTable', table('jobs')]], context());

    expect(created.get('JobsTable')!.ref).toBe('shelf-local-jobs');
  });

  it('enables the stream a StreamSpecification asks for and records its ARN in the local region', async () => {
    dynamodb.on(DescribeTableCommand).resolves({
      Table: {
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        LatestStreamArn: ddbLocalArn,
      },
    });

    const created = await createTables(
      [['AuditTable', table('audit', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } })]],
      context(),
    );

    expect(dynamodb).toHaveReceivedCommandWith(CreateTableCommand, {
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(created.get('AuditTable')!.attributes).toEqual({
      StreamArn: `arn:aws:dynamodb:us-east-1:000000000000:table/shelf-local-audit/stream/${streamLabel}`,
    });
  });

  it('gives a table kept from before it had a stream its stream', async () => {
    dynamodb.on(CreateTableCommand).rejects(new ResourceInUseException({ message: 'in use', $metadata: {} }));
    dynamodb.on(DescribeTableCommand).resolves({ Table: {} });
    dynamodb.on(UpdateTableCommand).resolves({ TableDescription: { LatestStreamArn: ddbLocalArn } });

    const created = await createTables(
      [['AuditTable', table('audit', { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } })]],
      context(),
    );

    expect(dynamodb).toHaveReceivedCommandWith(UpdateTableCommand, {
      TableName: 'shelf-local-audit',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    });
    expect(created.get('AuditTable')!.attributes!.StreamArn).toMatch(/^arn:aws:dynamodb:us-east-1:/);
  });

  it("turns DynamoDB Local's stream ARNs into the stack's region and back", () => {
    const local = localStreamArn(ddbLocalArn, 'eu-west-1');

    expect(local).toBe(`arn:aws:dynamodb:eu-west-1:000000000000:table/shelf-local-audit/stream/${streamLabel}`);
    expect(dynamoDbLocalStreamArn(local)).toBe(ddbLocalArn);
  });
});
