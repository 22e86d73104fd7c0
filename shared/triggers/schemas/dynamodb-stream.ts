/**
 * A DynamoDB Streams record, its keys and images unmarshalled: the Powertools parser's
 * DynamoDBStreamRecord (@aws-lambda-powertools/parser/schemas/dynamodb), written again with
 * zod/mini (the same unmarshalling, Powertools' own). The parser's schemas are classic zod, which
 * would bring all of classic zod into the bundle (shared/zod.ts).
 */
import { unmarshallDynamoDB } from '@aws-lambda-powertools/commons/utils/unmarshallDynamoDB';
import * as z from '../../zod';

const attributeValues = z.record(z.string(), z.any());

export const changeRecordBase = z.object({
  ApproximateCreationDateTime: z.optional(z.number()),
  Keys: z.record(z.string(), z.record(z.string(), z.any())),
  NewImage: z.optional(attributeValues),
  OldImage: z.optional(attributeValues),
  SequenceNumber: z.string(),
  SizeBytes: z.number(),
  StreamViewType: z.enum(['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY']),
});
type ChangeRecordBase = z.infer<typeof changeRecordBase>;
type Item = Record<string, unknown>;

const unmarshalled = z.transform(
  (
    record: ChangeRecordBase,
    context,
  ): Omit<ChangeRecordBase, 'Keys' | 'NewImage' | 'OldImage'> & {
    Keys: Item;
    NewImage?: Item;
    OldImage?: Item;
  } => {
    const result: Omit<ChangeRecordBase, 'Keys'> & { Keys: Item; NewImage?: Item; OldImage?: Item } = { ...record };
    const unmarshall = (name: 'Keys' | 'NewImage' | 'OldImage', image: Record<string, unknown>): Item | undefined => {
      try {
        return unmarshallDynamoDB(image as Parameters<typeof unmarshallDynamoDB>[0]) as Item;
      } catch {
        context.issues.push({
          code: 'custom',
          message: `Could not unmarshall ${name} in DynamoDB stream record`,
          path: [name],
          input: record,
        });
        return undefined;
      }
    };
    const keys = unmarshall('Keys', record.Keys);
    if (keys === undefined) return z.NEVER;
    result.Keys = keys;
    for (const name of ['NewImage', 'OldImage'] as const) {
      const image = record[name];
      if (!image) continue;
      const item = unmarshall(name, image);
      if (item === undefined) return z.NEVER;
      result[name] = item;
    }
    return result;
  },
);

export const dynamoDbStreamRecordSchema = z.object({
  eventID: z.string(),
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  eventVersion: z.string(),
  eventSource: z.literal('aws:dynamodb'),
  awsRegion: z.string(),
  eventSourceARN: z.string(),
  dynamodb: z.pipe(changeRecordBase, unmarshalled),
  userIdentity: z.optional(z.object({ type: z.enum(['Service']), principalId: z.literal('dynamodb.amazonaws.com') })),
});
