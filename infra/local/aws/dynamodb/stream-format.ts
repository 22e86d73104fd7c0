/**
 * DynamoDB Streams records as Lambda delivers them (`event.Records` of a DynamoDB stream event,
 * the shape of ../shared/aws-sample-events/dynamodb-event.json), from what DynamoDB Local's
 * Streams API returns. Its records differ from Lambda's in four ways, each put right here:
 * - `awsRegion` is `ddblocal`: Lambda writes the stack's region;
 * - there is no `eventSourceARN` (its stream ARN says `ddblocal`): Lambda writes the stream's ARN,
 *   here the one the reader gives with the local region and account (stream-reader.ts);
 * - `ApproximateCreationDateTime` is a Date (the SDK's): Lambda sends epoch seconds;
 * - binary attributes (B, BS) are bytes: Lambda sends them base64-encoded.
 * The stream poller (infra/local/lambda/event-source-poller.ts) batches them; this only shapes one.
 */
import type { AttributeValue, _Record as SdkStreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { StreamEventFormat } from '../../lambda/stream-source';

export type DynamoDbStreamRecord = SdkStreamRecord;

/** An attribute value as Lambda's JSON writes it. */
export type LambdaAttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { M: Record<string, LambdaAttributeValue> }
  | { L: LambdaAttributeValue[] }
  | { NULL: boolean }
  | { BOOL: boolean };

export interface LambdaDynamoDbRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion: string;
  eventSource: 'aws:dynamodb';
  awsRegion: string;
  /** Only on deletions made by DynamoDB itself (TTL). */
  userIdentity?: { type: string; principalId: string };
  dynamodb: {
    ApproximateCreationDateTime: number;
    Keys: Record<string, LambdaAttributeValue>;
    NewImage?: Record<string, LambdaAttributeValue>;
    OldImage?: Record<string, LambdaAttributeValue>;
    SequenceNumber: string;
    SizeBytes: number;
    StreamViewType: string;
  };
  eventSourceARN: string;
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export function lambdaAttributeValue(value: AttributeValue): LambdaAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: lambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(lambdaAttributeValue) };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  throw new Error(`Unknown DynamoDB attribute type: ${JSON.stringify(Object.keys(value))}`);
}

export function lambdaImage(image: Record<string, AttributeValue>): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, lambdaAttributeValue(value)]));
}

/** One record as Lambda writes it, in Lambda's order of fields. */
export function toLambdaDynamoDbRecord(
  record: DynamoDbStreamRecord,
  { streamArn, region }: { streamArn: string; region: string },
): LambdaDynamoDbRecord {
  const change = record.dynamodb ?? {};
  const created = change.ApproximateCreationDateTime;
  return {
    eventID: record.eventID!,
    eventName: record.eventName as LambdaDynamoDbRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    ...(record.userIdentity?.Type && record.userIdentity.PrincipalId
      ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }
      : {}),
    dynamodb: {
      ApproximateCreationDateTime: Math.floor((created ? created.getTime() : Date.now()) / 1000),
      Keys: lambdaImage(change.Keys ?? {}),
      ...(change.NewImage ? { NewImage: lambdaImage(change.NewImage) } : {}),
      ...(change.OldImage ? { OldImage: lambdaImage(change.OldImage) } : {}),
      SequenceNumber: change.SequenceNumber!,
      SizeBytes: change.SizeBytes ?? 0,
      StreamViewType: change.StreamViewType ?? 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: streamArn,
  };
}

export const dynamoDbStreamFormat: StreamEventFormat<DynamoDbStreamRecord> = {
  eventSource: 'aws:dynamodb',
  batchInfoKey: 'DDBStreamBatchInfo',
  toLambdaRecord: (record, { streamArn, region }) => toLambdaDynamoDbRecord(record, { streamArn, region }),
};
