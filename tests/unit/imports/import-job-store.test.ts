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

describe('recordLoadProgress', () => {
  const progress = { rowsLoaded: 6, rowsRefused: 1, refusals: [], chunk: 2, chunkRows: 3 };

  it('raises rowsLoaded and rowsRefused, and returns the job as it now is', async () => {
    const after = { ...job, status: 'LOADING', rowsRead: 10, rowsLoaded: 6, rowsRefused: 1 };
    dynamo.on(UpdateCommand).resolves({ Attributes: after });

    const result = await store.recordLoadProgress(importId, progress);

    expect(result).toEqual(after);
    expect(onlyUpdate()).toEqual({
      TableName: table,
      Key: { importId },
      UpdateExpression: 'SET rowsLoaded = :loaded, rowsRefused = :refused, updatedAt = :now',
      ConditionExpression:
        'attribute_exists(importId) AND (attribute_not_exists(rowsLoaded) OR rowsLoaded < :loaded OR ' +
        'attribute_not_exists(rowsRefused) OR rowsRefused < :refused)',
      ExpressionAttributeValues: { ':loaded': 6, ':refused': 1, ':now': stamp },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('returns the job as it is when it already counts as many rows or more', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    dynamo
      .on(GetCommand)
      .resolves({ Item: { ...job, status: 'LOADING', rowsLoaded: 9, rowsRefused: 1, expiresAt: 1 } });

    const result = await store.recordLoadProgress(importId, progress);

    expect(result).toEqual({ ...job, status: 'LOADING', rowsLoaded: 9, rowsRefused: 1 });
  });

  it('returns undefined for an unknown job', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({});

    expect(await store.recordLoadProgress(importId, progress)).toBeUndefined();
  });

  it('shows the refusals on the job while fewer than 20 are shown', async () => {
    const refusals = [{ row: 4, sku: 'BAD-1', reason: 'name contains U+0000 (NUL), which cannot be stored' }];
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...job, status: 'LOADING', rowsLoaded: 6, rowsRefused: 1 } });

    await store.recordLoadProgress(importId, { ...progress, refusals });

    const shown = dynamo.commandCalls(UpdateCommand)[1]!.args[0].input;
    expect(shown).toMatchObject({
      UpdateExpression: 'SET refusals = list_append(if_not_exists(refusals, :none), :refusals)',
      ConditionExpression: 'attribute_not_exists(refusals) OR size(refusals) < :max',
      ExpressionAttributeValues: { ':none': [], ':refusals': refusals, ':max': 20 },
    });
  });

  it('takes a redriven chunk off the dead-lettered ones once it has loaded', async () => {
    dynamo
      .on(UpdateCommand)
      .resolvesOnce({
        Attributes: { ...job, status: 'PARTIALLY_LOADED', deadLetteredChunks: new Set([2, 5]), rowsDeadLettered: 5 },
      })
      .resolvesOnce({
        Attributes: { ...job, status: 'PARTIALLY_LOADED', deadLetteredChunks: new Set([5]), rowsDeadLettered: 2 },
      });

    const result = await store.recordLoadProgress(importId, progress);

    expect(dynamo.commandCalls(UpdateCommand)[1]!.args[0].input).toMatchObject({
      UpdateExpression:
        'DELETE deadLetteredChunks :chunk SET rowsDeadLettered = if_not_exists(rowsDeadLettered, :zero) + :rows, updatedAt = :now',
      ConditionExpression: 'contains(deadLetteredChunks, :number)',
      ExpressionAttributeValues: expect.objectContaining({ ':chunk': new Set([2]), ':number': 2, ':rows': -3 }),
    });
    expect(result).toMatchObject({ deadLetteredChunks: [5], rowsDeadLettered: 2 });
  });
});

describe('recordChunkDeadLettered', () => {
  it('adds the chunk and its rows once (its membership is the condition), returning the job', async () => {
    dynamo.on(UpdateCommand).resolves({
      Attributes: { ...job, status: 'LOADING', deadLetteredChunks: new Set([7, 3]), rowsDeadLettered: 40 },
    });

    const result = await store.recordChunkDeadLettered(importId, 3, 20);

    expect(onlyUpdate()).toEqual({
      TableName: table,
      Key: { importId },
      UpdateExpression:
        'ADD deadLetteredChunks :chunk SET rowsDeadLettered = if_not_exists(rowsDeadLettered, :zero) + :rows, updatedAt = :now',
      ConditionExpression: 'attribute_exists(importId) AND NOT contains(deadLetteredChunks, :number)',
      ExpressionAttributeValues: { ':chunk': new Set([3]), ':number': 3, ':rows': 20, ':zero': 0, ':now': stamp },
      ReturnValues: 'ALL_NEW',
    });
    // The number set comes back as a sorted list.
    expect(result).toEqual({ ...job, status: 'LOADING', deadLetteredChunks: [3, 7], rowsDeadLettered: 40 });
  });

  it('returns the job as it is when the chunk was counted already', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: { ...job, deadLetteredChunks: new Set([3]), rowsDeadLettered: 20 } });

    expect(await store.recordChunkDeadLettered(importId, 3, 20)).toMatchObject({ deadLetteredChunks: [3] });
  });
});

describe('settle', () => {
  const loading: ImportJob = {
    ...job,
    status: 'LOADING',
    rowsRead: 10,
    rowsRejected: 2,
    rowsLoaded: 8,
    rowsRefused: 0,
  };

  it('completes a LOADING job only if it still has these counts, and clears any failure reason', async () => {
    await store.settle(loading, 'COMPLETED');

    expect(onlyUpdate()).toEqual({
      TableName: table,
      Key: { importId },
      UpdateExpression: 'SET #status = :status, updatedAt = :now REMOVE failureReason',
      ConditionExpression:
        '#status IN (:loading, :partial) AND rowsRead = :rowsRead AND rowsLoaded = :rowsLoaded AND ' +
        'rowsRefused = :rowsRefused AND attribute_not_exists(rowsDeadLettered)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': 'COMPLETED',
        ':loading': 'LOADING',
        ':partial': 'PARTIALLY_LOADED',
        ':now': stamp,
        ':rowsRead': 10,
        ':rowsLoaded': 8,
        ':rowsRefused': 0,
      },
    });
  });

  it('ends a job PARTIALLY_LOADED with the reason', async () => {
    await store.settle({ ...loading, rowsLoaded: 5, rowsDeadLettered: 3 }, 'PARTIALLY_LOADED', 'why and what to do');

    expect(onlyUpdate()).toMatchObject({
      UpdateExpression: 'SET #status = :status, updatedAt = :now, failureReason = :reason',
      ExpressionAttributeValues: expect.objectContaining({
        ':status': 'PARTIALLY_LOADED',
        ':reason': 'why and what to do',
        ':rowsDeadLettered': 3,
      }),
    });
  });

  it('requires rowsLoaded to be absent for a job that loaded no rows', async () => {
    const { rowsLoaded: _none, rowsRefused: _none2, ...allRejected } = { ...loading, rowsRejected: 10 };

    await store.settle(allRejected, 'COMPLETED');

    expect(onlyUpdate().ConditionExpression).toBe(
      '#status IN (:loading, :partial) AND rowsRead = :rowsRead AND attribute_not_exists(rowsLoaded) AND ' +
        'attribute_not_exists(rowsRefused) AND attribute_not_exists(rowsDeadLettered)',
    );
  });

  it('does nothing, quietly, when the condition fails (another worker settled it)', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());

    await expect(store.settle(loading, 'COMPLETED')).resolves.toBeUndefined();
  });

  it('passes on any other error', async () => {
    dynamo.on(UpdateCommand).rejects(new Error('InternalServerError'));

    await expect(store.settle(loading, 'COMPLETED')).rejects.toThrow('InternalServerError');
  });
});

describe('fail', () => {
  it('fails a PENDING, LOADING or PARTIALLY_LOADED job with the reason', async () => {
    await store.fail(importId, 'The file is not valid gzip');

    expect(onlyUpdate()).toEqual({
      TableName: table,
      Key: { importId },
      UpdateExpression: 'SET #status = :failed, failureReason = :reason, updatedAt = :now',
      ConditionExpression: '#status IN (:pending, :loading, :partial)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':failed': 'FAILED',
        ':pending': 'PENDING',
        ':loading': 'LOADING',
        ':partial': 'PARTIALLY_LOADED',
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
