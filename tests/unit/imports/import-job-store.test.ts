// DynamoDbImportJobStore: the exact requests it sends to DynamoDB, and how it reads the answers.
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbImportJobStore } from '../../../shared/adapters/dynamodb/import-job-store';
import type { ImportJob } from '../../../shared/imports/import-job';
import { importId } from './import-fixtures';

const table = 'shelf-test-imports';
const now = new Date('2026-11-28T12:34:56.000Z');
const stamp = now.toISOString();
const dynamo = mockClient(DynamoDBDocumentClient);
const store = new DynamoDbImportJobStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), table, () => now);

const uploadKey = `uploads/${importId}/catalog.csv`;
const job: ImportJob = {
  importId,
  status: 'PENDING',
  fileName: 'catalog.csv',
  uploadKey,
  createdBy: 'admin-1',
  createdAt: '2026-11-28T10:00:00.000Z',
  updatedAt: '2026-11-28T10:00:00.000Z',
};

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/** The input of the only command of this type the store sent. */
function only<T>(calls: { args: [{ input: T }] }[]): T {
  expect(calls).toHaveLength(1);
  return calls[0]!.args[0].input;
}
const onlyUpdate = () => only(dynamo.commandCalls(UpdateCommand));
const onlyGet = () => only(dynamo.commandCalls(GetCommand));
const onlyPut = () => only(dynamo.commandCalls(PutCommand));

beforeEach(() => {
  dynamo.reset();
});

describe('create', () => {
  it('puts the job with a 30-day TTL, only if no job has that id', async () => {
    await store.create(job);

    expect(onlyPut()).toEqual({
      TableName: table,
      Item: { ...job, expiresAt: Date.parse('2026-11-28T10:00:00.000Z') / 1000 + 30 * 24 * 3600 },
      ConditionExpression: 'attribute_not_exists(importId)',
    });
  });
});

describe('get', () => {
  it('reads consistently and returns the job without its TTL attribute', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...job, expiresAt: 1_800_000_000 } });

    const found = await store.get(importId);

    expect(found).toEqual(job);
    expect(onlyGet()).toEqual({ TableName: table, Key: { importId }, ConsistentRead: true });
  });

  it('returns undefined for an unknown id', async () => {
    dynamo.on(GetCommand).resolves({});

    expect(await store.get(importId)).toBeUndefined();
  });
});

describe('claimFile', () => {
  it('sets the file ETag if the job is PENDING for this key and has no other file', async () => {
    dynamo.on(UpdateCommand).resolves({});

    const result = await store.claimFile(importId, uploadKey, 'etag-1');

    expect(result).toEqual({ claimed: true });
    expect(onlyUpdate()).toEqual({
      TableName: table,
      Key: { importId },
      UpdateExpression: 'SET fileETag = :etag, updatedAt = :now',
      ConditionExpression:
        'uploadKey = :key AND #status = :pending AND (attribute_not_exists(fileETag) OR fileETag = :etag)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':etag': 'etag-1', ':key': uploadKey, ':pending': 'PENDING', ':now': stamp },
    });
    expect(dynamo).not.toHaveReceivedCommand(GetCommand);
  });

  it.each([
    ['unknown-import', undefined],
    ['different-key', { ...job, uploadKey: `uploads/${importId}/other.csv` }],
    ['already-processed', { ...job, status: 'LOADING', fileETag: 'etag-1' }],
    ['already-processed', { ...job, status: 'FAILED', fileETag: 'etag-1' }],
    ['another-file', { ...job, fileETag: 'etag-0' }],
  ])('explains a failed condition by reading the job: %s', async (reason, stored) => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: stored });

    const result = await store.claimFile(importId, uploadKey, 'etag-1');

    expect(result).toEqual({ claimed: false, reason });
    expect(onlyGet()).toEqual({ TableName: table, Key: { importId }, ConsistentRead: true });
  });

  it('passes on any other error', async () => {
    dynamo.on(UpdateCommand).rejects(new Error('ProvisionedThroughputExceededException'));

    await expect(store.claimFile(importId, uploadKey, 'etag-1')).rejects.toThrow('ProvisionedThroughput');
    expect(dynamo).not.toHaveReceivedCommand(GetCommand);
  });
});

describe('recordFileRead', () => {
  it('moves a PENDING job read from this file to LOADING with the counts and the rejects key', async () => {
    const after = { ...job, status: 'LOADING', rowsRead: 10, rowsRejected: 2, chunksSent: 1, rowsLoaded: 8 };
    dynamo.on(UpdateCommand).resolves({ Attributes: after });

    const result = await store.recordFileRead(importId, 'etag-1', {
      rowsRead: 10,
      rowsRejected: 2,
      chunksSent: 1,
      rejectsKey: `rejects/${importId}.csv`,
    });

    expect(result).toEqual(after);
    expect(onlyUpdate()).toEqual({
      TableName: table,
      Key: { importId },
      UpdateExpression:
        'SET #status = :loading, rowsRead = :read, rowsRejected = :rejected, chunksSent = :chunks, updatedAt = :now, rejectsKey = :rejectsKey',
      ConditionExpression: '#status = :pending AND fileETag = :etag',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':loading': 'LOADING',
        ':pending': 'PENDING',
        ':etag': 'etag-1',
        ':read': 10,
        ':rejected': 2,
        ':chunks': 1,
        ':now': stamp,
        ':rejectsKey': `rejects/${importId}.csv`,
      },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('sets no rejectsKey when there is no report', async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...job, status: 'LOADING' } });

    await store.recordFileRead(importId, 'etag-1', { rowsRead: 3, rowsRejected: 0, chunksSent: 1 });

    const input = onlyUpdate();
    expect(input.UpdateExpression).not.toContain('rejectsKey');
    expect(input.ExpressionAttributeValues).not.toHaveProperty(':rejectsKey');
  });

  it('passes on a failed condition (the file was recorded already, or another file claimed the job)', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());

    await expect(
      store.recordFileRead(importId, 'etag-1', { rowsRead: 3, rowsRejected: 0, chunksSent: 1 }),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });
});

describe('recordRowsLoaded', () => {
  it('raises rowsLoaded only, and returns the job as it now is', async () => {
    const after = { ...job, status: 'LOADING', rowsRead: 10, rowsLoaded: 6 };
    dynamo.on(UpdateCommand).resolves({ Attributes: after });

    const result = await store.recordRowsLoaded(importId, 6);

    expect(result).toEqual(after);
    expect(onlyUpdate()).toEqual({
      TableName: table,
      Key: { importId },
      UpdateExpression: 'SET rowsLoaded = :loaded, updatedAt = :now',
      ConditionExpression: 'attribute_exists(importId) AND (attribute_not_exists(rowsLoaded) OR rowsLoaded < :loaded)',
      ExpressionAttributeValues: { ':loaded': 6, ':now': stamp },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('returns the job as it is when it already counts as many rows or more', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: { ...job, status: 'LOADING', rowsLoaded: 9, expiresAt: 1 } });

    const result = await store.recordRowsLoaded(importId, 6);

    expect(result).toEqual({ ...job, status: 'LOADING', rowsLoaded: 9 });
  });

  it('returns undefined for an unknown job', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({});

    expect(await store.recordRowsLoaded(importId, 6)).toBeUndefined();
  });
});

describe('complete', () => {
  const loading: ImportJob = { ...job, status: 'LOADING', rowsRead: 10, rowsRejected: 2, rowsLoaded: 8 };

  it('completes a LOADING job only if it still has these counts', async () => {
    await store.complete(loading);

    expect(onlyUpdate()).toEqual({
      TableName: table,
      Key: { importId },
      UpdateExpression: 'SET #status = :completed, updatedAt = :now',
      ConditionExpression: '#status = :loading AND rowsRead = :read AND rowsLoaded = :loaded',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':completed': 'COMPLETED',
        ':loading': 'LOADING',
        ':read': 10,
        ':loaded': 8,
        ':now': stamp,
      },
    });
  });

  it('requires rowsLoaded to be absent for a job that loaded no rows', async () => {
    const { rowsLoaded: _none, ...allRejected } = { ...loading, rowsRejected: 10 };

    await store.complete(allRejected);

    const input = onlyUpdate();
    expect(input.ConditionExpression).toBe(
      '#status = :loading AND rowsRead = :read AND attribute_not_exists(rowsLoaded)',
    );
    expect(input.ExpressionAttributeValues).toEqual({
      ':completed': 'COMPLETED',
      ':loading': 'LOADING',
      ':read': 10,
      ':now': stamp,
    });
  });

  it('does nothing, quietly, when the condition fails (another worker completed it)', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());

    await expect(store.complete(loading)).resolves.toBeUndefined();
  });

  it('passes on any other error', async () => {
    dynamo.on(UpdateCommand).rejects(new Error('InternalServerError'));

    await expect(store.complete(loading)).rejects.toThrow('InternalServerError');
  });
});

describe('fail', () => {
  it('fails a PENDING or LOADING job with the reason', async () => {
    await store.fail(importId, 'The file is not valid gzip');

    expect(onlyUpdate()).toEqual({
      TableName: table,
      Key: { importId },
      UpdateExpression: 'SET #status = :failed, failureReason = :reason, updatedAt = :now',
      ConditionExpression: '#status IN (:pending, :loading)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':failed': 'FAILED',
        ':pending': 'PENDING',
        ':loading': 'LOADING',
        ':reason': 'The file is not valid gzip',
        ':now': stamp,
      },
    });
  });

  it('leaves a finished job alone, quietly', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());

    await expect(store.fail(importId, 'x')).resolves.toBeUndefined();
  });
});
