// POST /imports (admin): an import job and a presigned POST to upload the catalog CSV with.
import { DynamoDbImportJobStore } from '../../shared/adapters/dynamodb/import-job-store';
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { s3 } from '../../shared/adapters/s3/client';
import { S3UploadStore } from '../../shared/adapters/s3/upload-store';
import { config } from '../../shared/config';
import { createImportSchema } from '../../shared/imports/import-requests';
import { createImport } from '../../shared/imports/import-service';
import { httpRoute } from '../../shared/triggers/http-route';
import { created } from '../../shared/http/responses';

const deps = {
  jobs: new DynamoDbImportJobStore(documentClient, config('importsTable')),
  uploads: new S3UploadStore(s3, config('uploadsBucket')),
};

export const handler = httpRoute({ roles: ['admin'], body: createImportSchema }, async ({ body, caller }) =>
  created(await createImport(deps, caller.id, body)),
);
