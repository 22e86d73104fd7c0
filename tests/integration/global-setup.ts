/**
 * Starts the whole local stack once for the integration tests, on free ports the system picks (so
 * an `npm start` on the default ports, or anything else, can keep running) and with a fresh
 * PostgreSQL data directory.
 * The tests find it through SHELF_TEST_* variables.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../../infra/local/free-ports';
import { freeShelfPorts } from '../../infra/local/ports';
import { startShelf, type RunningShelf } from '../../infra/local/start-shelf';
import { repoRoot } from '../../infra/service-config';

declare global {
  var shelfUnderTest: RunningShelf | undefined;
  var shelfStackLog: WriteStream | undefined;
}

export default async function globalSetup(): Promise<void> {
  const outputDir = join(repoRoot, 'test-output');
  mkdirSync(outputDir, { recursive: true });
  const log = createWriteStream(join(outputDir, 'local-stack.log'));
  const dataDir = join(outputDir, `stack-${Date.now()}`);
  // The tests' tokens (helpers.ts, signToken) come from this stack's issuer key, like npm run token's.
  process.env.SHELF_DATA_DIR = dataDir;
  // A DATABASE_URL from the environment would point the tests at someone's real database.
  delete process.env.DATABASE_URL;
  const ports = await freeShelfPorts();
  // The browser tests' second web server (the deployed sign-in, web-app.test.ts): the API's CORS
  // must let its pages call too.
  const { signInWeb } = await freePorts(['signInWeb']);
  const shelf = await startShelf({
    ports,
    dataDir,
    extraWebOrigins: [`http://127.0.0.1:${signInWeb}`],
    log: (line) => log.write(`${line}\n`),
    onFunctionOutput: (chunk) => log.write(chunk),
  });
  globalThis.shelfUnderTest = shelf;
  globalThis.shelfStackLog = log;
  process.env.SHELF_TEST_DATA_DIR = dataDir;
  process.env.SHELF_TEST_API_URL = shelf.apiUrl;
  process.env.SHELF_TEST_WEB_URL = shelf.webUrl;
  process.env.SHELF_TEST_SIGN_IN_WEB_PORT = String(signInWeb);
  process.env.SHELF_TEST_DATABASE_URL = shelf.databaseUrl;
  process.env.SHELF_TEST_DYNAMODB_URL = shelf.endpoints.dynamodb;
  process.env.SHELF_TEST_CATALOG_TABLE = shelf.resources.get('CatalogTable')!.ref;
  process.env.SHELF_TEST_REGION = shelf.region;
  process.env.SHELF_TEST_SQS_URL = shelf.endpoints.sqs;
  process.env.SHELF_TEST_LAMBDA_URL = shelf.lambdaEndpoint;
  // The local ALB listener (infra/local/aws/alb/): the operations endpoint.
  process.env.SHELF_TEST_ALB_URL = shelf.endpoints.alb;
  process.env.SHELF_TEST_S3_URL = shelf.endpoints.s3;
  // Sent mail (SES's /store) and what SNS's e-mail subscribers received (/mail).
  process.env.SHELF_TEST_SES_URL = shelf.endpoints.ses;
  process.env.SHELF_TEST_SNS_URL = shelf.endpoints.sns;
  process.env.SHELF_TEST_EVENTBRIDGE_URL = shelf.endpoints.eventbridge;
  // The local Step Functions' executions, with their histories (JSON).
  process.env.SHELF_TEST_EXECUTIONS_URL = `${shelf.endpoints.stepfunctions}/executions`;
  // The local user pool (infra/local/aws/cognito/): sign-up, confirmation, sign-in.
  process.env.SHELF_TEST_COGNITO_URL = shelf.endpoints.cognito;
  process.env.SHELF_TEST_IMPORT_QUEUE_URL = shelf.resources.get('ImportQueue')!.ref;
  process.env.SHELF_TEST_IMPORT_DLQ_URL = shelf.resources.get('ImportDeadLetterQueue')!.ref;
  process.env.SHELF_TEST_UPLOADS_BUCKET = shelf.resources.get('UploadsBucket')!.ref;
}
