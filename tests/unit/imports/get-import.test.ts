// GET /imports/{importId} through httpRoute, with DynamoDB mocked at the SDK and the real S3
// presigner (it signs locally, no request is sent).
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as getImport } from '../../../services/imports/get-import';
import { httpEvent, invoke, type HttpEventOptions } from '../../helpers/http-events';
import { importId } from './import-fixtures';

const dynamo = mockClient(DynamoDBDocumentClient);
const bucket = process.env.UPLOADS_BUCKET!;

function getImportEvent(id: string, options: Partial<HttpEventOptions> = {}) {
  return httpEvent({
    method: 'GET',
    route: '/imports/{importId}',
    pathParameters: { importId: id },
    caller: { sub: 'admin-1', role: 'admin' },
    ...options,
  });
}

beforeEach(() => {
  dynamo.reset();
});

describe('GET /imports/{importId}', () => {
  const stored = {
    importId,
    status: 'COMPLETED',
    fileName: 'catalog.csv',
    uploadKey: `uploads/${importId}/catalog.csv`,
    createdBy: 'admin-1',
    createdAt: '2026-11-28T10:00:00.000Z',
    updatedAt: '2026-11-28T10:05:00.000Z',
    fileETag: 'etag',
    rowsRead: 10,
    rowsRejected: 1,
    rowsLoaded: 9,
    chunksSent: 1,
    expiresAt: 1_800_000_000,
  };

  it('answers 200 with the job, without internal keys', async () => {
    dynamo.on(GetCommand).resolves({ Item: stored });

    const response = await invoke(getImport, getImportEvent(importId));

    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({
      importId,
      status: 'COMPLETED',
      fileName: 'catalog.csv',
      createdBy: 'admin-1',
      createdAt: '2026-11-28T10:00:00.000Z',
      updatedAt: '2026-11-28T10:05:00.000Z',
      rowsRead: 10,
      rowsRejected: 1,
      rowsLoaded: 9,
      chunksSent: 1,
    });
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, {
      TableName: process.env.IMPORTS_TABLE,
      Key: { importId },
      ConsistentRead: true,
    });
  });

  it('adds a presigned download URL of the rejects report, valid for 5 minutes', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...stored, rejectsKey: `rejects/${importId}.csv` } });

    const response = await invoke(getImport, getImportEvent(importId));

    expect(response.statusCode).toBe(200);
    const url = new URL((response.body as { rejectsUrl: string }).rejectsUrl);
    expect(url.hostname).toBe(`${bucket}.s3.us-east-1.amazonaws.com`);
    expect(url.pathname).toBe(`/rejects/${importId}.csv`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(response.body).not.toHaveProperty('rejectsKey');
  });

  it('answers 404 for an unknown import', async () => {
    dynamo.on(GetCommand).resolves({});

    const response = await invoke(getImport, getImportEvent(importId));

    expect(response.statusCode).toBe(404);
    expect(response.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('answers 400 for an importId that is not a uuid, without reading the table', async () => {
    const response = await invoke(getImport, getImportEvent('imp-123'));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: [{ field: 'importId', message: 'must be an import id' }] },
    });
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it('refuses a shopper with 403', async () => {
    const response = await invoke(getImport, getImportEvent(importId, { caller: { sub: 's-1', role: 'shopper' } }));

    expect(response.statusCode).toBe(403);
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });
});
