/**
 * The clickstream aggregates in DynamoDB (ClickstreamAggregatesTable,
 * infra/resources/clickstream.yml), laid out for the trending query:
 *
 * | item          | pk                         | sk                       | attributes                          |
 * | ------------- | -------------------------- | ------------------------ | ----------------------------------- |
 * | minute count  | `minutes#2026-12-02T19`    | `2026-12-02T19:45#SKU-1` | sku, minute, views, addToCarts      |
 * | applied write | `window#<WindowWrite.id>`  | `window`                 | windowStart, shardId, minute, skus  |
 *
 * Counts of one hour share a partition, sorted by minute: the last N minutes are one Query per hour
 * they touch (25 at most for 24 hours). A write is one transaction: it puts its marker on condition
 * that the marker does not exist yet, and ADDs its counts. A write applied before (a retried
 * window) fails the condition and the whole transaction changes nothing. Both kinds expire
 * (TTL `expiresAt`) two days on: trending looks back 24 hours at most, and the stream keeps
 * records 24 hours, so no window older than that can be delivered again.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MinuteCount, WindowWrite } from '../../clickstream/clickstream-aggregation';
import type { ClickstreamAggregates } from '../../clickstream/clickstream-ports';

export const aggregatesRetentionSeconds = 2 * 24 * 60 * 60;
/** Tries of a write that collided with another shard's write to the same minute and SKU. */
const maxConflictAttempts = 5;

const hourKey = (minute: string) => `minutes#${minute.slice(0, 13)}`;

/** The hours (`2026-12-02T19`) from the one of `fromMinute` to the one of `toMinute`. */
function hoursBetween(fromMinute: string, toMinute: string): string[] {
  const hours: string[] = [];
  const last = new Date(`${toMinute.slice(0, 13)}:00:00Z`).getTime();
  for (let t = new Date(`${fromMinute.slice(0, 13)}:00:00Z`).getTime(); t <= last; t += 3_600_000) {
    hours.push(new Date(t).toISOString().slice(0, 13));
  }
  return hours;
}

export class DynamoDbClickstreamAggregates implements ClickstreamAggregates {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async apply(write: WindowWrite): Promise<{ applied: boolean }> {
    const expiresAt = Math.floor(new Date(`${write.minute}:00Z`).getTime() / 1000) + aggregatesRetentionSeconds;
    const command = new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: {
              pk: `window#${write.id}`,
              sk: 'window',
              windowStart: write.windowStart,
              shardId: write.shardId,
              minute: write.minute,
              skus: write.counts.length,
              appliedAt: this.now().toISOString(),
              expiresAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...write.counts.map(({ sku, views, addToCarts }) => ({
          Update: {
            TableName: this.tableName,
            Key: { pk: hourKey(write.minute), sk: `${write.minute}#${sku}` },
            UpdateExpression:
              'ADD #views :views, #addToCarts :addToCarts SET #sku = :sku, #minute = :minute, #expiresAt = :expiresAt',
            ExpressionAttributeNames: {
              '#views': 'views',
              '#addToCarts': 'addToCarts',
              '#sku': 'sku',
              '#minute': 'minute',
              '#expiresAt': 'expiresAt',
            },
            ExpressionAttributeValues: {
              ':views': views,
              ':addToCarts': addToCarts,
              ':sku': sku,
              ':minute': write.minute,
              ':expiresAt': expiresAt,
            },
          },
        })),
      ],
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(command);
        return { applied: true };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return { applied: false };
        // Another shard's window updated one of the same items at the same moment: try again.
        const conflict = reasons.some((reason) => reason.Code === 'TransactionConflict');
        if (!conflict || attempt === maxConflictAttempts) throw error;
        await delay(Math.random() * 50 * 2 ** attempt);
      }
    }
  }

  async countsBetween(fromMinute: string, toMinute: string): Promise<MinuteCount[]> {
    const perHour = await Promise.all(
      hoursBetween(fromMinute, toMinute).map(async (hour) => {
        const counts: MinuteCount[] = [];
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              // `~` sorts after every character a SKU may hold: the last minute's SKUs are all in.
              KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
              ExpressionAttributeValues: { ':pk': `minutes#${hour}`, ':from': fromMinute, ':to': `${toMinute}#~` },
              ProjectionExpression: '#sku, #minute, #views, #addToCarts',
              ExpressionAttributeNames: {
                '#sku': 'sku',
                '#minute': 'minute',
                '#views': 'views',
                '#addToCarts': 'addToCarts',
              },
              ExclusiveStartKey: startKey,
            }),
          );
          for (const item of page.Items ?? []) {
            counts.push({
              sku: item.sku as string,
              minute: item.minute as string,
              views: Number(item.views ?? 0),
              addToCarts: Number(item.addToCarts ?? 0),
            });
          }
          startKey = page.LastEvaluatedKey;
        } while (startKey);
        return counts;
      }),
    );
    return perHour.flat();
  }
}
