// POST /imports through httpRoute, with DynamoDB mocked at the SDK and the real presigned POST (it
// signs locally, no request is sent).
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import { handler as createImport } from '../../../services/imports/create-import';
import { httpEvent, invoke, type HttpEventOptions } from '../../helpers/http-events';

const dynamo = mockClient(DynamoDBDocumentClient);
const bucket = process.env.UPLOADS_BUCKET!;

const fieldsNamedIn = (body: unknown) => [
  ...new Set((body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field)),
];

function postImport(options: Partial<HttpEventOptions> = {}) {
  return httpEvent({
    method: 'POST',
    route: '/imports',
    body: { fileName: 'Spring Catalog.CSV', contentType: 'text/csv' },
    caller: { sub: 'admin-1', role: 'admin' },
    ...options,
  });
}

beforeEach(() => {
  dynamo.reset();
  dynamo.on(PutCommand).resolves({});
});

describe('POST /imports', () => {
  it('answers 201 with a presigned POST for the uploads/ key, capped at 1 GiB, and records a PENDING job', async () => {
    const before = Date.now();

    const response = await invoke(createImport, postImport());

    expect(response.statusCode).toBe(201);
    const body = response.body as {
      importId: string;
      upload: { url: string; fields: Record<string, string> };
      expiresAt: string;
    };
    expect(Object.keys(body)).toEqual(['importId', 'upload', 'expiresAt']);
    expect(isUuid(body.importId) && uuidVersion(body.importId)).toBe(7);
    const key = `uploads/${body.importId}/Spring Catalog.csv`;
    expect(body.upload.url).toBe(`https://${bucket}.s3.us-east-1.amazonaws.com/`);
    expect(body.upload.fields).toMatchObject({
      key,
      'Content-Type': 'text/csv',
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const policy = JSON.parse(Buffer.from(body.upload.fields.Policy!, 'base64').toString()) as {
      expiration: string;
      conditions: unknown[];
    };
    expect(policy.conditions).toEqual(
      expect.arrayContaining([{ key }, { 'Content-Type': 'text/csv' }, ['content-length-range', 0, 1024 ** 3]]),
    );
    expect(Math.abs(Date.parse(policy.expiration) - Date.parse(body.expiresAt))).toBeLessThan(1000);
    const expires = Date.parse(body.expiresAt) - before;
    expect(expires).toBeGreaterThanOrEqual(900_000);
    expect(expires).toBeLessThan(905_000);
    expect(dynamo).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: process.env.IMPORTS_TABLE,
      Item: expect.objectContaining({
        importId: body.importId,
        status: 'PENDING',
        fileName: 'Spring Catalog.CSV',
        uploadKey: key,
        createdBy: 'admin-1',
      }),
      ConditionExpression: 'attribute_not_exists(importId)',
    });
  });

  it('accepts a gzipped file with a content type in capitals', async () => {
    const response = await invoke(
      createImport,
      postImport({ body: { fileName: 'catalog.csv.gz', contentType: ' Application/GZIP ' } }),
    );

    expect(response.statusCode).toBe(201);
    const { upload } = response.body as { importId: string; upload: { fields: Record<string, string> } };
    expect(upload.fields).toMatchObject({ 'Content-Type': 'application/gzip' });
    expect(upload.fields.key).toMatch(/^uploads\/[0-9a-f-]{36}\/catalog\.csv\.gz$/);
  });

  it.each([
    ['a .txt file', { fileName: 'x.txt', contentType: 'text/csv' }, 'body.fileName'],
    ['a name with a slash', { fileName: '../x.csv', contentType: 'text/csv' }, 'body.fileName'],
    ['an empty name', { fileName: '', contentType: 'text/csv' }, 'body.fileName'],
    ['a missing content type', { fileName: 'x.csv' }, 'body.contentType'],
    [
      'a content type that does not match the file',
      { fileName: 'x.csv', contentType: 'application/gzip' },
      'body.contentType',
    ],
  ])('refuses %s with 400 naming the field, recording nothing', async (_, body, field) => {
    const response = await invoke(createImport, postImport({ body }));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(fieldsNamedIn(response.body)).toEqual([field]);
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it('refuses a shopper with 403', async () => {
    const response = await invoke(createImport, postImport({ caller: { sub: 'shopper-1', role: 'shopper' } }));

    expect(response.statusCode).toBe(403);
    expect(response.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it('refuses an anonymous request with 401', async () => {
    const response = await invoke(createImport, postImport({ caller: undefined }));

    expect(response.statusCode).toBe(401);
  });
});
