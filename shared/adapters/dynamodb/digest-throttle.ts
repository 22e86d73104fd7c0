/**
 * The error digests' throttle in DynamoDB (ErrorDigestsTable, services/ops/resources.yml): one
 * item per function, `sentAt` (when its last digest went out) and what is held for its next one
 * (`heldCount`, `heldFirstAt`, `heldLastAt`). Taking the slot is one conditional UpdateItem that
 * also takes what was held (ReturnValues ALL_OLD), so two deliveries at once cannot both send,
 * and nothing held in between is read twice or missed. Items expire (TTL) 30 days after their
 * last write: a function that logs no error for that long has nothing left to report.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DigestThrottle, ErrorCount } from '../../ops/error-digest';

const retentionSeconds = 30 * 24 * 3600;

interface ThrottleItem {
  source: string;
  sentAt?: number;
  heldCount?: number;
  heldFirstAt?: number;
  heldLastAt?: number;
}

export class DynamoDbDigestThrottle implements DigestThrottle {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private expiresAt(): number {
    return Math.floor(Date.now() / 1000) + retentionSeconds;
  }

  async claim(source: string, now: number, notBefore: number): Promise<{ held?: ErrorCount } | false> {
    let previous: ThrottleItem | undefined;
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { source },
          UpdateExpression: 'SET sentAt = :now, expiresAt = :expiresAt REMOVE heldCount, heldFirstAt, heldLastAt',
          ConditionExpression: 'attribute_not_exists(sentAt) OR sentAt <= :notBefore',
          ExpressionAttributeValues: { ':now': now, ':notBefore': notBefore, ':expiresAt': this.expiresAt() },
          ReturnValues: 'ALL_OLD',
        }),
      );
      previous = result.Attributes as ThrottleItem | undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    const { heldCount, heldFirstAt, heldLastAt } = previous ?? {};
    return heldCount && heldFirstAt !== undefined && heldLastAt !== undefined
      ? { held: { count: heldCount, firstAt: heldFirstAt, lastAt: heldLastAt } }
      : {};
  }

  hold(source: string, errors: ErrorCount): Promise<void> {
    return this.add(source, errors, 'SET');
  }

  async release(source: string, held: ErrorCount | undefined): Promise<void> {
    // Without sentAt the next delivery (Lambda's retry of this one) takes the slot again.
    if (held) return this.add(source, held, 'REMOVE sentAt SET');
    await this.client.send(
      new UpdateCommand({ TableName: this.tableName, Key: { source }, UpdateExpression: 'REMOVE sentAt' }),
    );
  }

  private async add(source: string, { count, firstAt, lastAt }: ErrorCount, prefix: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { source },
        // The first and last times are those of the deliveries in the order they arrive: close
        // enough for a digest, and one write instead of a read and a conditional write.
        UpdateExpression:
          `${prefix} heldFirstAt = if_not_exists(heldFirstAt, :firstAt), heldLastAt = :lastAt, ` +
          'expiresAt = :expiresAt ADD heldCount :count',
        ExpressionAttributeValues: {
          ':count': count,
          ':firstAt': firstAt,
          ':lastAt': lastAt,
          ':expiresAt': this.expiresAt(),
        },
      }),
    );
  }
}
