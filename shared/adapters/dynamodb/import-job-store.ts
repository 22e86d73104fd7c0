/**
 * Import jobs in DynamoDB (ImportsTable, infra/resources/tables.yml). Every change is one
 * conditional UpdateItem that returns the item as it now is, so the file processor and the ETL
 * workers, racing, each see the other's counts and exactly one of them completes the job.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ClaimResult, FileCounts, ImportJob, ImportJobStore } from '../../imports/import-job';

/** Jobs are kept for 30 days (the table's TTL attribute). */
const retentionSeconds = 30 * 24 * 3600;

async function unlessConditionFails<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

export class DynamoDbImportJobStore implements ImportJobStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(job: ImportJob): Promise<void> {
    const expiresAt = Math.floor(Date.parse(job.createdAt) / 1000) + retentionSeconds;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...job, expiresAt },
        ConditionExpression: 'attribute_not_exists(importId)',
      }),
    );
  }

  async get(importId: string): Promise<ImportJob | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { importId }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { expiresAt: _ttl, ...job } = Item;
    return job as ImportJob;
  }

  async claimFile(importId: string, uploadKey: string, eTag: string): Promise<ClaimResult> {
    const claimed = await unlessConditionFails(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { importId },
          UpdateExpression: 'SET fileETag = :etag, updatedAt = :now',
          ConditionExpression:
            'uploadKey = :key AND #status = :pending AND (attribute_not_exists(fileETag) OR fileETag = :etag)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':etag': eTag, ':key': uploadKey, ':pending': 'PENDING', ':now': this.stamp() },
        }),
      ),
    );
    if (claimed) return { claimed: true };
    const job = await this.get(importId);
    if (!job) return { claimed: false, reason: 'unknown-import' };
    if (job.uploadKey !== uploadKey) return { claimed: false, reason: 'different-key' };
    if (job.status !== 'PENDING') return { claimed: false, reason: 'already-processed' };
    return { claimed: false, reason: 'another-file' };
  }

  async recordFileRead(importId: string, eTag: string, counts: FileCounts): Promise<ImportJob> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { importId },
        UpdateExpression:
          'SET #status = :loading, rowsRead = :read, rowsRejected = :rejected, chunksSent = :chunks, updatedAt = :now' +
          (counts.rejectsKey ? ', rejectsKey = :rejectsKey' : ''),
        ConditionExpression: '#status = :pending AND fileETag = :etag',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':loading': 'LOADING',
          ':pending': 'PENDING',
          ':etag': eTag,
          ':read': counts.rowsRead,
          ':rejected': counts.rowsRejected,
          ':chunks': counts.chunksSent,
          ':now': this.stamp(),
          ...(counts.rejectsKey ? { ':rejectsKey': counts.rejectsKey } : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes as ImportJob;
  }

  async recordRowsLoaded(importId: string, rowsLoaded: number): Promise<ImportJob | undefined> {
    const updated = await unlessConditionFails(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { importId },
          UpdateExpression: 'SET rowsLoaded = :loaded, updatedAt = :now',
          // Chunks finish in any order: a smaller total (an older view) never lowers the count.
          ConditionExpression:
            'attribute_exists(importId) AND (attribute_not_exists(rowsLoaded) OR rowsLoaded < :loaded)',
          ExpressionAttributeValues: { ':loaded': rowsLoaded, ':now': this.stamp() },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    // Not raised: another worker got there first, or the job is gone; either way, report it as is.
    return updated ? (updated.Attributes as ImportJob) : this.get(importId);
  }

  async complete(job: ImportJob): Promise<void> {
    const loaded = job.rowsLoaded === undefined ? 'attribute_not_exists(rowsLoaded)' : 'rowsLoaded = :loaded';
    await unlessConditionFails(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { importId: job.importId },
          UpdateExpression: 'SET #status = :completed, updatedAt = :now',
          ConditionExpression: `#status = :loading AND rowsRead = :read AND ${loaded}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':completed': 'COMPLETED',
            ':loading': 'LOADING',
            ':read': job.rowsRead,
            ...(job.rowsLoaded === undefined ? {} : { ':loaded': job.rowsLoaded }),
            ':now': this.stamp(),
          },
        }),
      ),
    );
  }

  async fail(importId: string, reason: string): Promise<void> {
    await unlessConditionFails(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { importId },
          UpdateExpression: 'SET #status = :failed, failureReason = :reason, updatedAt = :now',
          ConditionExpression: '#status IN (:pending, :loading)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':failed': 'FAILED',
            ':pending': 'PENDING',
            ':loading': 'LOADING',
            ':reason': reason,
            ':now': this.stamp(),
          },
        }),
      ),
    );
  }

  private stamp(): string {
    return this.now().toISOString();
  }
}
