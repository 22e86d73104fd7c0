/**
 * Import jobs in DynamoDB (ImportsTable, infra/resources/tables.yml). Every change is one
 * conditional UpdateItem that returns the item as it now is, so the file processor and the ETL
 * workers, racing, each see the other's counts and exactly one of them completes the job.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  maxRefusalsShown,
  type ClaimResult,
  type FileCounts,
  type ImportJob,
  type ImportJobStore,
  type RowRefusal,
  type SettledStatus,
} from '../../imports/import-job';

/** Jobs are kept for 30 days (the table's TTL attribute). */
const retentionSeconds = 30 * 24 * 3600;

/** The item as a job: without its TTL, and the chunk number set as a sorted list. */
function toJob(item: Record<string, unknown>): ImportJob {
  const { expiresAt: _ttl, deadLetteredChunks, ...job } = item;
  const chunks =
    deadLetteredChunks instanceof Set ? [...(deadLetteredChunks as Set<number>)].sort((a, b) => a - b) : [];
  return { ...(job as unknown as ImportJob), ...(chunks.length ? { deadLetteredChunks: chunks } : {}) };
}

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
    return Item ? toJob(Item) : undefined;
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
    return toJob(Attributes!);
  }

  async recordLoadProgress(
    importId: string,
    progress: { rowsLoaded: number; rowsRefused: number; refusals: RowRefusal[]; chunk: number; chunkRows: number },
  ): Promise<ImportJob | undefined> {
    const updated = await unlessConditionFails(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { importId },
          UpdateExpression: 'SET rowsLoaded = :loaded, rowsRefused = :refused, updatedAt = :now',
          // Chunks finish in any order: an older view of the totals (both smaller or equal; they
          // are read in one transaction) never lowers them.
          ConditionExpression:
            'attribute_exists(importId) AND (attribute_not_exists(rowsLoaded) OR rowsLoaded < :loaded OR ' +
            'attribute_not_exists(rowsRefused) OR rowsRefused < :refused)',
          ExpressionAttributeValues: {
            ':loaded': progress.rowsLoaded,
            ':refused': progress.rowsRefused,
            ':now': this.stamp(),
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    // Not raised: another worker got there first, or the job is gone; either way, go on from it as is.
    let job = updated ? toJob(updated.Attributes!) : await this.get(importId);
    if (job && updated && progress.refusals.length) job = (await this.showRefusals(importId, progress.refusals)) ?? job;
    if (job?.deadLetteredChunks?.includes(progress.chunk)) {
      job = (await this.changeDeadLettered(importId, progress.chunk, -progress.chunkRows)) ?? job;
    }
    return job;
  }

  async recordChunkDeadLettered(importId: string, chunk: number, rows: number): Promise<ImportJob | undefined> {
    return (await this.changeDeadLettered(importId, chunk, rows)) ?? this.get(importId);
  }

  async settle(job: ImportJob, status: SettledStatus, reason?: string): Promise<void> {
    const same = (name: keyof ImportJob) =>
      job[name] === undefined ? `attribute_not_exists(${name})` : `${name} = :${name}`;
    const counts = ['rowsRead', 'rowsLoaded', 'rowsRefused', 'rowsDeadLettered'] as const;
    await unlessConditionFails(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { importId: job.importId },
          UpdateExpression: `SET #status = :status, updatedAt = :now${reason ? ', failureReason = :reason' : ''}${
            reason ? '' : ' REMOVE failureReason'
          }`,
          ConditionExpression: `#status IN (:loading, :partial) AND ${counts.map(same).join(' AND ')}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': status,
            ':loading': 'LOADING',
            ':partial': 'PARTIALLY_LOADED',
            ':now': this.stamp(),
            ...(reason ? { ':reason': reason } : {}),
            ...Object.fromEntries(
              counts.filter((name) => job[name] !== undefined).map((name) => [`:${name}`, job[name]]),
            ),
          },
        }),
      ),
    );
  }

  /**
   * Adds a chunk to the dead-lettered ones (rows > 0) or takes it off (rows < 0), once: the set's
   * membership is the condition, so a repeated report or a repeated load changes nothing.
   */
  private async changeDeadLettered(importId: string, chunk: number, rows: number): Promise<ImportJob | undefined> {
    const adding = rows > 0;
    const updated = await unlessConditionFails(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { importId },
          UpdateExpression: `${adding ? 'ADD' : 'DELETE'} deadLetteredChunks :chunk SET rowsDeadLettered = if_not_exists(rowsDeadLettered, :zero) + :rows, updatedAt = :now`,
          ConditionExpression: adding
            ? 'attribute_exists(importId) AND NOT contains(deadLetteredChunks, :number)'
            : 'contains(deadLetteredChunks, :number)',
          ExpressionAttributeValues: {
            ':chunk': new Set([chunk]),
            ':number': chunk,
            ':rows': rows,
            ':zero': 0,
            ':now': this.stamp(),
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return updated ? toJob(updated.Attributes!) : undefined;
  }

  /** Keeps the first few refusals on the job for the admin to read; rowsRefused counts them all. */
  private async showRefusals(importId: string, refusals: RowRefusal[]): Promise<ImportJob | undefined> {
    const updated = await unlessConditionFails(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { importId },
          UpdateExpression: 'SET refusals = list_append(if_not_exists(refusals, :none), :refusals)',
          ConditionExpression: 'attribute_not_exists(refusals) OR size(refusals) < :max',
          ExpressionAttributeValues: {
            ':none': [],
            ':refusals': refusals.slice(0, maxRefusalsShown),
            ':max': maxRefusalsShown,
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return updated ? toJob(updated.Attributes!) : undefined;
  }

  async fail(importId: string, reason: string): Promise<void> {
    await unlessConditionFails(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { importId },
          UpdateExpression: 'SET #status = :failed, failureReason = :reason, updatedAt = :now',
          ConditionExpression: '#status IN (:pending, :loading, :partial)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':failed': 'FAILED',
            ':pending': 'PENDING',
            ':loading': 'LOADING',
            ':partial': 'PARTIALLY_LOADED',
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
