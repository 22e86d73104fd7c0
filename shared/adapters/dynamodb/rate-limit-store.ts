/**
 * Rate-limit counters in DynamoDB (ClickstreamRateLimitsTable, infra/resources/clickstream.yml):
 * one item per caller and window, added to with one conditional UpdateItem, so that concurrent
 * requests of one caller (on different execution environments) never pass the limit together.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RateLimitStore } from '../../clickstream/clickstream-ports';

export class DynamoDbRateLimitStore implements RateLimitStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async consume(key: string, cost: number, limit: number, expiresAt: number): Promise<boolean> {
    if (cost > limit) return false;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: key },
          UpdateExpression: 'ADD #used :cost SET #expiresAt = if_not_exists(#expiresAt, :expiresAt)',
          // Refused requests add nothing: the counter holds what was let through.
          ConditionExpression: 'attribute_not_exists(#used) OR #used <= :room',
          ExpressionAttributeNames: { '#used': 'used', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':cost': cost, ':room': limit - cost, ':expiresAt': expiresAt },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
