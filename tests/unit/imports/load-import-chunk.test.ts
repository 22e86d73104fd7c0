// The ETL worker's handler with AWS's sample SQS event: the PostgreSQL loader mocked at its module,
// DynamoDB (catalog read model, import jobs) at the SDK.
import { DynamoDBDocumentClient, PutCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/imports/load-import-chunk';
import { PostgresCatalogImportLoader } from '../../../shared/adapters/postgres/catalog-import-loader';
import type { ImportChunk } from '../../../shared/imports/import-chunk';
import { aProduct } from '../../fixtures/catalog';
import sqsSample from '../../fixtures/events/sqs-event.json';
import { lambdaContext } from '../../helpers/http-events';
import { aChunk, aRow, importId } from './import-fixtures';

// No database in unit tests: the loader is an automatic mock whose answers each test sets.
jest.mock('../../../shared/adapters/postgres/catalog-import-loader');

const load = jest.spyOn(PostgresCatalogImportLoader.prototype, 'load');
const dynamo = mockClient(DynamoDBDocumentClient);

/** AWS's sample SQS event with these messages. */
function sqsEvent(...messages: { messageId: string; body: string }[]): SQSEvent {
  const sample = structuredClone(sqsSample);
  return {
    Records: messages.map(({ messageId, body }) => ({
      ...structuredClone(sample.Records[0]!),
      messageId,
      body,
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:shelf-test-imports',
    })),
  };
}

const message = (messageId: string, chunk: ImportChunk | string) => ({
  messageId,
  body: typeof chunk === 'string' ? chunk : JSON.stringify(chunk),
});

const chunk1 = aChunk(1, [aRow(1, 'TEA-1'), aRow(2, 'TEA-2')]);
const chunk2 = aChunk(2, [aRow(3, 'TEA-3')]);

/** The job in DynamoDB: recordRowsLoaded answers with it, holding the rows loaded it was given. */
function jobAfterLoading(rowsRead: number, rowsRejected: number) {
  dynamo.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
    if (input.UpdateExpression?.startsWith('SET rowsLoaded')) {
      return {
        Attributes: {
          importId,
          status: 'LOADING',
          rowsRead,
          rowsRejected,
          rowsLoaded: input.ExpressionAttributeValues![':loaded'],
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
  dynamo.on(PutCommand).resolves({});
  jobAfterLoading(10, 0);
});

describe('load-import-chunk handler', () => {
  it('loads a valid chunk, projects the products, records the rows loaded, and reports no failures', async () => {
    load.mockResolvedValue({ products: [aProduct('TEA-1', 3), aProduct('TEA-2', 1)], rowsLoaded: 2, duplicate: false });

    const response = await handler(sqsEvent(message('m-1', chunk1)), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(load).toHaveBeenCalledTimes(1);
    expect(load).toHaveBeenCalledWith(chunk1);
    expect(dynamo).toHaveReceivedCommandTimes(PutCommand, 2);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: process.env.CATALOG_TABLE,
      Item: expect.objectContaining({ sku: 'TEA-1', version: 3 }),
    });
    expect(updates('SET rowsLoaded')).toEqual([
      expect.objectContaining({
        TableName: process.env.IMPORTS_TABLE,
        Key: { importId },
        ExpressionAttributeValues: expect.objectContaining({ ':loaded': 2 }),
      }),
    ]);
    expect(updates('SET #status = :completed')).toEqual([]);
  });

  it('completes the job with the chunk that loads its last row', async () => {
    jobAfterLoading(4, 1);
    load.mockResolvedValue({ products: [aProduct('TEA-3')], rowsLoaded: 3, duplicate: false });

    await handler(sqsEvent(message('m-2', chunk2)), lambdaContext());

    expect(updates('SET #status = :completed')).toEqual([
      expect.objectContaining({
        Key: { importId },
        ConditionExpression: '#status = :loading AND rowsRead = :read AND rowsLoaded = :loaded',
        ExpressionAttributeValues: expect.objectContaining({ ':read': 4, ':loaded': 3 }),
      }),
    ]);
  });

  it.each([
    ['a body that is not JSON', 'Message Body'],
    ['a body that is JSON but not a chunk', JSON.stringify({ importId, chunk: 1, rows: [] })],
    ['a chunk with a row that breaks the schema', JSON.stringify(aChunk(3, [aRow(1, 'lower-case')]))],
  ])('reports %s as the only failure and loads the valid message of the batch', async (_, badBody) => {
    load.mockResolvedValue({ products: [aProduct('TEA-1')], rowsLoaded: 2, duplicate: false });

    const response = await handler(sqsEvent(message('bad-1', badBody), message('good-1', chunk1)), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad-1' }] });
    expect(load).toHaveBeenCalledTimes(1);
    expect(load).toHaveBeenCalledWith(chunk1);
  });

  it('reports only the record whose load failed', async () => {
    load.mockImplementation((chunk: ImportChunk) =>
      chunk.chunk === 2
        ? Promise.reject(new Error('deadlock detected'))
        : Promise.resolve({ products: [aProduct('TEA-1')], rowsLoaded: 2, duplicate: false }),
    );

    const response = await handler(
      sqsEvent(message('m-1', chunk1), message('m-2', chunk2), message('m-3', aChunk(3, [aRow(4)]))),
      lambdaContext(),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('throws when the only record of the batch fails (here its projection), so Lambda retries it', async () => {
    load.mockResolvedValue({ products: [aProduct('TEA-1')], rowsLoaded: 2, duplicate: false });
    dynamo.on(PutCommand).rejects(new Error('ThrottlingException'));

    const response = await handler(sqsEvent(message('m-1', chunk1)), lambdaContext()).catch((e: unknown) => e);

    // A batch whose every record failed is thrown whole (Powertools' FullBatchFailureError):
    // Lambda then retries every message of it.
    expect(response).toMatchObject({ name: 'FullBatchFailureError' });
    expect(updates('SET rowsLoaded')).toEqual([]);
  });

  it('treats a redelivered chunk as loaded, re-projecting what the loader returns', async () => {
    load.mockResolvedValue({ products: [aProduct('TEA-1', 5)], rowsLoaded: 2, duplicate: true });

    const response = await handler(sqsEvent(message('m-1', chunk1)), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ sku: 'TEA-1', version: 5 }),
    });
  });
});
