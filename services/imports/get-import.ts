// GET /imports/{importId} (admin): the job's status and counts, and a short-lived link to the
// rejects report when there is one.
import { DynamoDbImportJobStore } from '../../shared/adapters/dynamodb/import-job-store';
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { s3 } from '../../shared/adapters/s3/client';
import { S3UploadStore } from '../../shared/adapters/s3/upload-store';
import { config } from '../../shared/config';
import { importIdPath } from '../../shared/imports/import-requests';
import { getImport } from '../../shared/imports/import-service';
import { httpRoute } from '../../shared/triggers/http-route';
import { ok } from '../../shared/http/responses';

const deps = {
  jobs: new DynamoDbImportJobStore(documentClient, config('importsTable')),
  uploads: new S3UploadStore(s3, config('uploadsBucket')),
};

export const handler = httpRoute({ roles: ['admin'], path: importIdPath }, async ({ path }) =>
  ok(await getImport(deps, path.importId)),
);
