// DynamoDB Local's stream records shaped as Lambda delivers them (infra/local/aws/dynamodb/stream-format.ts),
// checked against AWS's own sample event: the same record, given as the SDK returns it from
// DynamoDB Local, comes out as the sample has it.
import type { AttributeValue } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBStreamRecord } from '@aws-lambda-powertools/parser/schemas/dynamodb';
import {
  dynamoDbStreamFormat,
  type DynamoDbStreamRecord,
  type LambdaAttributeValue,
} from '../../../infra/local/aws/dynamodb/stream-format';
import ddbSample from '../../fixtures/events/dynamodb-event.json';

type SampleRecord = (typeof ddbSample.Records)[number];

/** An attribute of Lambda's JSON as the SDK returns it: binaries as bytes. */
function sdkValue(value: LambdaAttributeValue): AttributeValue {
  if ('B' in value) return { B: new Uint8Array(Buffer.from(value.B, 'base64')) };
  if ('BS' in value) return { BS: value.BS.map((b) => new Uint8Array(Buffer.from(b, 'base64'))) };
  if ('M' in value) return { M: sdkImage(value.M) };
  if ('L' in value) return { L: value.L.map(sdkValue) };
  return value;
}

const sdkImage = (image: Record<string, LambdaAttributeValue>) =>
  Object.fromEntries(Object.entries(image).map(([name, value]) => [name, sdkValue(value)]));

/** The sample record as DynamoDB Local's Streams API returns it through the SDK. */
function asDynamoDbLocalGivesIt(record: SampleRecord): DynamoDbStreamRecord {
  const { dynamodb } = record;
  const identity = 'userIdentity' in record ? record.userIdentity : undefined;
  return {
    eventID: record.eventID,
    eventName: record.eventName as 'INSERT',
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: 'ddblocal',
    ...(identity ? { userIdentity: { Type: identity.type, PrincipalId: identity.principalId } } : {}),
    dynamodb: {
      ApproximateCreationDateTime: new Date(dynamodb.ApproximateCreationDateTime * 1000),
      Keys: sdkImage(dynamodb.Keys),
      NewImage: sdkImage(dynamodb.NewImage as Record<string, LambdaAttributeValue>),
      SequenceNumber: dynamodb.SequenceNumber,
      SizeBytes: dynamodb.SizeBytes,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

const context = { streamArn: ddbSample.Records[0]!.eventSourceARN, region: 'us-east-1', shardId: 'shardId-1' };

describe('dynamoDbStreamFormat', () => {
  it.each(ddbSample.Records.map((record, i) => [i, record] as const))(
    "gives sample record %i back as AWS's sample has it: region, ARN, epoch seconds, base64 binaries, field order",
    (_, record) => {
      const lambdaRecord = dynamoDbStreamFormat.toLambdaRecord(asDynamoDbLocalGivesIt(record), context);

      expect(lambdaRecord).toEqual(record);
      expect(JSON.stringify(lambdaRecord)).toBe(JSON.stringify(record));
    },
  );

  it('writes the local region and ARN, never ddblocal, and records Powertools parses as a DynamoDB stream record', () => {
    const local = asDynamoDbLocalGivesIt(ddbSample.Records[1]!);
    local.dynamodb = {
      ...local.dynamodb,
      ApproximateCreationDateTime: new Date('2026-12-02T20:05:00.000Z'),
      OldImage: { key: { S: 'binary' }, val: { S: 'before' } },
    };
    const streamArn =
      'arn:aws:dynamodb:eu-central-1:000000000000:table/shelf-local-catalog/stream/2026-12-02T20:05:00.804';

    const lambdaRecord = dynamoDbStreamFormat.toLambdaRecord(local, {
      streamArn,
      region: 'eu-central-1',
      shardId: 'shardId-00000001796241900851-0895ed96',
    });

    expect(lambdaRecord).toMatchObject({
      awsRegion: 'eu-central-1',
      eventSourceARN: streamArn,
      dynamodb: { ApproximateCreationDateTime: 1796241900, OldImage: { val: { S: 'before' } } },
    });
    expect(JSON.stringify(lambdaRecord)).not.toContain('ddblocal');
    const parsed = DynamoDBStreamRecord.safeParse(lambdaRecord);
    expect(parsed.success).toBe(true);
    expect(parsed.data?.dynamodb.OldImage).toEqual({ key: 'binary', val: 'before' });
  });

  it('names the batch description of an on-failure record as Lambda does for DynamoDB streams', () => {
    expect(dynamoDbStreamFormat.eventSource).toBe('aws:dynamodb');
    expect(dynamoDbStreamFormat.batchInfoKey).toBe('DDBStreamBatchInfo');
  });
});
