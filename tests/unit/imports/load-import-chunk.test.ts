// The ETL worker's handler with AWS's sample SQS event: the PostgreSQL loader mocked at its module,
// DynamoDB (catalog read model, import jobs) at the SDK.
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/imports/load-import-chunk';
import { PostgresCatalogImportLoader } from '../../../shared/adapters/postgres/catalog-import-loader';
import { PostgresCatalogOutbox } from '../../../shared/adapters/postgres/catalog-outbox';
import type { ImportChunk } from '../../../shared/imports/import-chunk';
import { aProduct } from '../../fixtures/catalog';
import sqsSample from '../../fixtures/events/sqs-event.json';
import { lambdaContext } from '../../helpers/http-events';
import { drainingTheOutbox } from '../catalog/outbox-mock';
import { aChunk, aRow, importId } from './import-fixtures';

// No database in unit tests: the loader and the catalog outbox are automatic mocks whose answers
// each test sets.
jest.mock('../../../shared/adapters/postgres/catalog-import-loader');
jest.mock('../../../shared/adapters/postgres/catalog-outbox');

const load = jest.spyOn(PostgresCatalogImportLoader.prototype, 'load');
const drain = jest.spyOn(PostgresCatalogOutbox.prototype, 'drain');
const dynamo = mockClient(DynamoDBDocumentClient);

/** AWS's sample SQS event with these messages, each received `receiveCount` times. */
function sqsEvent(...messages: { messageId: string; body: string; receiveCount?: number }[]): SQSEvent {
  const sample = structuredClone(sqsSample);
  return {
    Records: messages.map(({ messageId, body, receiveCount = 1 }) => ({
      ...structuredClone(sample.Records[0]!),
      messageId,
      body,
      attributes: { ...sample.Records[0]!.attributes, ApproximateReceiveCount: String(receiveCount) },
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:shelf-test-imports',
    })),
  };
}

const message = (messageId: string, chunk: ImportChunk | string, receiveCount?: number) => ({
  messageId,
  body: typeof chunk === 'string' ? chunk : JSON.stringify(chunk),
  receiveCount,
});

const loaded = (rowsLoaded: number, duplicate = false) => ({ rowsLoaded, rowsRefused: 0, refusals: [], duplicate });

const chunk1 = aChunk(1, [aRow(1, 'TEA-1'), aRow(2, 'TEA-2')]);
const chunk2 = aChunk(2, [aRow(3, 'TEA-3')]);

/** The job in DynamoDB: its updates answer with it, holding the counts they were given. */
function jobAfterLoading(rowsRead: number, rowsRejected: number) {
  dynamo.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
    const values = input.ExpressionAttributeValues!;
    if (input.UpdateExpression?.startsWith('SET rowsLoaded')) {
      return {
        Attributes: {
          importId,
          status: 'LOADING',
          rowsRead,
          rowsRejected,
          rowsLoaded: values[':loaded'],
          rowsRefused: values[':refused'],
        },
      };
    }
    if (input.UpdateExpression?.startsWith('ADD deadLetteredChunks')) {
      return {
        Attributes: {
          importId,
          status: 'LOADING',
          rowsRead,
          rowsRejected,
          deadLetteredChunks: values[':chunk'],
          rowsDeadLettered: values[':rows'],
        },
      };
    }
    return {};
  });
}

const updates = (prefix: string) =>
  dynamo
    .commandCalls(UpdateCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.UpdateExpression?.startsWith(prefix));

beforeEach(() => {
  dynamo.reset();
  load.mockReset();
  drainingTheOutbox(drain, [aProduct('TEA-1', 3), aProduct('TEA-2', 1), aProduct('TEA-3', 1)]);
  dynamo.on(BatchWriteCommand).resolves({});
  jobAfterLoading(10, 0);
});

describe('load-import-chunk handler', () => {
  it('loads a valid chunk, projects its products from the outbox, records the rows loaded, and reports no failures', async () => {
    load.mockResolvedValue(loaded(2));

    const response = await handler(sqsEvent(message('m-1', chunk1)), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(load).toHaveBeenCalledTimes(1);
    expect(load).toHaveBeenCalledWith(chunk1, []);
    expect(drain).toHaveBeenCalledWith(expect.any(Function), { skus: ['TEA-1', 'TEA-2'], limit: 2 });
    const written = dynamo.commandCalls(BatchWriteCommand)[0]!.args[0].input.RequestItems!;
    expect(Object.keys(written)).toEqual([process.env.CATALOG_TABLE]);
    expect(
      written[process.env.CATALOG_TABLE!]!.map((w) => [w.PutRequest!.Item!.sku, w.PutRequest!.Item!.version]),
    ).toEqual([
      ['TEA-1', 3],
      ['TEA-2', 1],
    ]);
    expect(updates('SET rowsLoaded')).toEqual([
      expect.objectContaining({
        TableName: process.env.IMPORTS_TABLE,
        Key: { importId },
        ExpressionAttributeValues: expect.objectContaining({ ':loaded': 2, ':refused': 0 }),
      }),
    ]);
    expect(updates('SET #status')).toEqual([]);
  });

  it('completes the job with the chunk that loads its last row', async () => {
    jobAfterLoading(4, 1);
    load.mockResolvedValue(loaded(3));

    await handler(sqsEvent(message('m-2', chunk2)), lambdaContext());

    expect(updates('SET #status')).toEqual([
      expect.objectContaining({
        Key: { importId },
        ConditionExpression:
          '#status IN (:loading, :partial) AND rowsRead = :rowsRead AND rowsLoaded = :rowsLoaded AND ' +
          'rowsRefused = :rowsRefused AND attribute_not_exists(rowsDeadLettered)',
        ExpressionAttributeValues: expect.objectContaining({
          ':status': 'COMPLETED',
          ':rowsRead': 4,
          ':rowsLoaded': 3,
        }),
      }),
    ]);
  });

  it('on the last try before the dead-letter queue, counts the failed chunk on its job and still reports it', async () => {
    load.mockRejectedValue(new Error('deadlock detected'));

    const response = await handler(
      sqsEvent(message('m-1', chunk1, 5), message('m-2', chunk2, 4)),
      lambdaContext(),
    ).catch((e: unknown) => e);

    expect(response).toMatchObject({ name: 'FullBatchFailureError' });
    // Only chunk 1 was on its fifth (last) receive: chunk 2 will be tried again.
    expect(updates('ADD deadLetteredChunks')).toEqual([
      expect.objectContaining({
        Key: { importId },
        ConditionExpression: 'attribute_exists(importId) AND NOT contains(deadLetteredChunks, :number)',
        ExpressionAttributeValues: expect.objectContaining({ ':chunk': new Set([1]), ':number': 1, ':rows': 2 }),
      }),
    ]);
  });

  it.each([
    ['a body that is not JSON', 'Message Body'],
    ['a body that is JSON but not a chunk', JSON.stringify({ importId, chunk: 1, rows: [] })],
    ['a chunk with a row that breaks the schema', JSON.stringify(aChunk(3, [aRow(1, 'lower-case')]))],
  ])('reports %s as the only failure and loads the valid message of the batch', async (_, badBody) => {
    load.mockResolvedValue(loaded(2));

    const response = await handler(sqsEvent(message('bad-1', badBody), message('good-1', chunk1)), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad-1' }] });
    expect(load).toHaveBeenCalledTimes(1);
    expect(load).toHaveBeenCalledWith(chunk1, []);
  });

  it('reports only the record whose load failed', async () => {
    load.mockImplementation((chunk: ImportChunk) =>
      chunk.chunk === 2 ? Promise.reject(new Error('deadlock detected')) : Promise.resolve(loaded(2)),
    );

    const response = await handler(
      sqsEvent(message('m-1', chunk1), message('m-2', chunk2), message('m-3', aChunk(3, [aRow(4)]))),
      lambdaContext(),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('throws when the only record of the batch fails (here the job update), so Lambda retries it', async () => {
    load.mockResolvedValue(loaded(2));
    dynamo.on(UpdateCommand).rejects(new Error('ThrottlingException'));

    const response = await handler(sqsEvent(message('m-1', chunk1)), lambdaContext()).catch((e: unknown) => e);

    // A batch whose every record failed is thrown whole (Powertools' FullBatchFailureError):
    // Lambda then retries every message of it.
    expect(response).toMatchObject({ name: 'FullBatchFailureError' });
    expect(updates('ADD deadLetteredChunks')).toEqual([]);
  });

  it('still loads and acknowledges a chunk when projecting it fails: the SKUs stay queued in the outbox', async () => {
    load.mockResolvedValue(loaded(2));
    dynamo.on(BatchWriteCommand).rejects(new Error('ThrottlingException'));

    const response = await handler(sqsEvent(message('m-1', chunk1)), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(updates('SET rowsLoaded')).toHaveLength(1);
  });

  it('treats a redelivered chunk as loaded, projecting its SKUs again if they are still queued', async () => {
    load.mockResolvedValue(loaded(2, true));

    const response = await handler(sqsEvent(message('m-1', chunk1)), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(drain).toHaveBeenCalledWith(expect.any(Function), { skus: ['TEA-1', 'TEA-2'], limit: 2 });
  });
});
