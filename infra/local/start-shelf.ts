/**
 * The whole shop on one machine: emulators for DynamoDB, S3 and SQS, a real PostgreSQL, the
 * resources declared in serverless.yml created on them, migrations and demo data, and
 * serverless-offline serving the HTTP API. Used by `npm start` (start.ts) and by the
 * integration tests (tests/integration/global-setup.ts), on different ports.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { migrate } from '../../shared/adapters/postgres/migrator';
import { localCredentials, startDynamoDbLocal, startPostgres, startS3, startSqs } from './emulators';
import { startEventSources } from './event-sources';
import { createLocalResources, type LocalResource } from './local-resources';
import { endInterruptedImports, projectCatalog, seedDemoCatalog } from './seed';
import { frameworkEnv, loadServiceConfig, repoRoot, serverlessBin } from '../service-config';
import { assertPortFree, Supervisor, waitForPort } from './supervisor';
import { loadCloudFrontFunction } from './cloudfront-function';
import { buildWebApp } from '../web/build-web-app';
import { startWebServer } from './web-server';

export interface ShelfPorts {
  /** The web app (infra/local/web-server.ts). */
  web: number;
  api: number;
  lambda: number;
  websocket: number;
  dynamodb: number;
  s3: number;
  sqs: number;
  postgres: number;
}

export interface ShelfOptions {
  ports: ShelfPorts;
  /** Where the embedded PostgreSQL keeps its data and the emulators their files. */
  dataDir: string;
  stage?: string;
  /** Called with one line per step. */
  log?: (line: string) => void;
  /** Lets the caller stop what has started so far, e.g. on Ctrl-C during start-up. */
  supervisor?: Supervisor;
  /** Receives serverless-offline's output: the functions' logs. */
  onFunctionOutput?: (chunk: Buffer) => void;
  /**
   * Where the functions reach DynamoDB when that is not the emulator itself: a proxy between them
   * that can cut the connection, as tests/integration/outages.test.ts does.
   */
  functionsDynamoDbEndpoint?: string;
  /**
   * Origins besides the local web server's that serve the web app and may call the API and upload
   * (CORS): the browser tests' second web server, which signs in the deployed way.
   */
  extraWebOrigins?: string[];
}

export interface RunningShelf {
  webUrl: string;
  apiUrl: string;
  /** serverless-offline's Lambda Invoke API (what the local event sources call). */
  lambdaEndpoint: string;
  databaseUrl: string;
  endpoints: { dynamodb: string; s3: string; sqs: string };
  resources: Map<string, LocalResource>;
  region: string;
  stop(): Promise<void>;
  /** Rejects when a part of the stack dies after start. */
  crashed: Promise<never>;
}

/** Says every few seconds that a long step is still going, so a start is never silent for long. */
async function whileWaiting<T>(work: Promise<T>, say: (seconds: number) => void, everyMs = 5000): Promise<T> {
  const began = Date.now();
  const timer = setInterval(() => say(Math.round((Date.now() - began) / 1000)), everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

export const defaultPorts: ShelfPorts = {
  web: 8080,
  api: 3000,
  lambda: 3002,
  websocket: 3001,
  dynamodb: 8000,
  s3: 4569,
  sqs: 9324,
  postgres: 54329,
};

export async function startShelf({
  ports,
  dataDir,
  stage = 'local',
  log = () => undefined,
  supervisor = new Supervisor(),
  onFunctionOutput,
  functionsDynamoDbEndpoint,
  extraWebOrigins = [],
}: ShelfOptions): Promise<RunningShelf> {
  let fail!: (error: Error) => void;
  const crashed = new Promise<never>((_, reject) => (fail = reject));
  crashed.catch(() => undefined);
  // Waiting for a part to come up ends when one fails, or when the stack is being stopped.
  const givenUp = Promise.race([crashed, supervisor.stopped]);
  givenUp.catch(() => undefined);
  const started = Date.now();
  const step = (line: string) => log(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${line}`);

  const start = async (): Promise<RunningShelf> => {
    mkdirSync(dataDir, { recursive: true });
    // The slow, independent parts start together.
    await assertPortFree('web app', ports.web);
    const webRoot = join(dataDir, 'web');
    const webBuild = new AbortController();
    supervisor.add('web app build', () => Promise.resolve(webBuild.abort()));
    const reading = new AbortController();
    supervisor.add('serverless print', () => Promise.resolve(reading.abort()));
    // The browser may call the app by either name; the API's and S3's CORS rules allow both.
    const webOrigins = [`http://127.0.0.1:${ports.web}`, `http://localhost:${ports.web}`, ...extraWebOrigins];
    const [config, dynamodb, s3, sqs, databaseUrl] = await whileWaiting(
      Promise.all([
        loadServiceConfig(stage, process.env, reading.signal).then((c) => (step('read serverless.yml'), c)),
        startDynamoDbLocal(supervisor, ports.dynamodb, join(dataDir, 'dynamodb'), fail).then(
          (u) => (step(`DynamoDB Local on ${u}`), u),
        ),
        startS3(supervisor, ports.s3, join(dataDir, 's3')).then(
          (s) => (step(`S3 (s3rver behind its front) on ${s.endpoint}`), s),
        ),
        startSqs(supervisor, ports.sqs).then((u) => (step(`SQS (local-aws-sqs) on ${u}`), u)),
        startPostgres(supervisor, ports.postgres, join(dataDir, 'postgres'), 'shelf', fail).then((postgres) => {
          const elsewhere = postgres.dataDir && postgres.dataDir !== join(dataDir, 'postgres');
          step(
            `PostgreSQL ready${elsewhere ? ` (data in ${postgres.dataDir}, where its postgres user can reach it)` : ''}`,
          );
          return postgres.url;
        }),
        buildWebApp(webRoot, webBuild.signal).then(() => step('web app built (Vite)')),
      ]),
      (seconds) => step(`still starting the emulators, PostgreSQL and the web app build… ${seconds} s`),
    );
    const region = config.provider.region;
    const endpoints = { dynamodb, s3: s3.endpoint, sqs };

    const pool = new Pool({ connectionString: databaseUrl, max: 2 });
    let resources: Map<string, LocalResource>;
    try {
      const [applied, created] = await Promise.all([
        migrate(pool),
        createLocalResources(config, endpoints, localCredentials, webOrigins),
      ]);
      resources = created;
      step(
        `migrations: ${applied.length ? applied.join(', ') : 'up to date'}; resources: ${[...created.keys()].join(', ')}`,
      );
      const local = { endpoint: dynamodb, region, credentials: localCredentials };
      const ended = await endInterruptedImports(local, resources.get('ImportsTable')!.ref);
      if (ended.length) step(`imports left unfinished by the last run, now FAILED: ${ended.join(', ')}`);
      const seeded = await seedDemoCatalog(pool);
      const projected = await projectCatalog(pool, local, resources.get('CatalogTable')!.ref, (done, queued) =>
        step(`catalog read model: ${done} of ${queued} products projected…`),
      );
      step(`demo data: ${seeded} products added; catalog read model: ${projected} projected from the outbox`);
    } finally {
      await pool.end();
    }

    for (const [name, port] of [
      ['API', ports.api],
      ['Lambda endpoint', ports.lambda],
      ['websockets', ports.websocket],
    ] as const) {
      await assertPortFree(`serverless-offline ${name}`, port);
    }
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...frameworkEnv,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      // The SDK's service-specific endpoints: handlers run unchanged against the emulators.
      AWS_ENDPOINT_URL_DYNAMODB: functionsDynamoDbEndpoint ?? dynamodb,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs,
      DATABASE_URL: databaseUrl,
      // The authorizer (offline-authorizer.ts) checks tokens against this stack's issuer key.
      SHELF_DATA_DIR: resolve(dataDir),
      // serverless.yml, custom.esbuild: this stack's own build folder (see the comment there).
      SHELF_ESBUILD_WORK_FOLDER: join('.esbuild-offline', String(ports.api)),
      // For resolve-local-environment.ts: functions' `!Ref`/`!Sub` environment values, made local.
      SHELF_LOCAL_RESOURCES: JSON.stringify(Object.fromEntries(resources)),
      // For the same plugin: the origins the HTTP API's CORS allows (the deployed one allows CloudFront's).
      SHELF_WEB_ORIGINS: JSON.stringify(webOrigins),
    };
    delete childEnv.AWS_PROFILE;
    delete childEnv.AWS_SESSION_TOKEN;
    const offlineArgs = [
      serverlessBin,
      'offline',
      'start',
      '--stage',
      stage,
      '--host',
      '127.0.0.1',
      '--httpPort',
      String(ports.api),
      '--lambdaPort',
      String(ports.lambda),
      '--websocketPort',
      String(ports.websocket),
    ];
    supervisor.spawn(
      'serverless-offline',
      process.execPath,
      offlineArgs,
      { cwd: repoRoot, env: childEnv },
      fail,
      onFunctionOutput,
    );
    await whileWaiting(
      waitForPort('serverless-offline', ports.api, { timeoutMs: 240_000, failed: givenUp }),
      (seconds) => step(`serverless-offline is bundling the functions (esbuild)… ${seconds} s`),
    );
    await waitForPort('serverless-offline Lambda endpoint', ports.lambda, { timeoutMs: 10_000, failed: givenUp });
    step('HTTP API (serverless-offline) ready');

    // S3 notifications and SQS event source mappings, which serverless-offline does not run. They
    // stop before serverless-offline does (the supervisor stops in reverse order), so no batch is
    // cut off mid-invocation by the function host going away.
    const apiUrl = `http://127.0.0.1:${ports.api}`;
    const lambdaEndpoint = `http://127.0.0.1:${ports.lambda}`;
    const eventSources = await startEventSources({
      config,
      resources,
      endpoints,
      region,
      lambdaEndpoint,
      s3Server: s3.server,
      log: step,
    });
    supervisor.add('event sources', () => eventSources.stop());
    step(`event sources: ${eventSources.sources.join('; ') || 'none declared'}`);

    const routeFunction = config.resources.Resources.WebRouteFunction?.Properties?.FunctionCode;
    if (typeof routeFunction !== 'string') throw new Error('serverless.yml declares no WebRouteFunction code');
    const web = await startWebServer({
      port: ports.web,
      root: webRoot,
      apiUrl,
      s3Endpoint: s3.endpoint,
      viewerRequest: loadCloudFrontFunction(routeFunction),
      dataDir,
    });
    supervisor.add('web app', () => web.stop());
    step(`web app on ${web.url}`);

    // Where scripts (npm run redrive) find this stack; gone again once it stops.
    const stackFile = join(dataDir, 'stack.json');
    writeFileSync(
      stackFile,
      `${JSON.stringify(
        {
          webUrl: web.url,
          apiUrl,
          lambdaEndpoint,
          region,
          endpoints,
          resources: Object.fromEntries([...resources].map(([id, { ref, arn }]) => [id, { ref, arn }])),
        },
        null,
        2,
      )}\n`,
    );
    supervisor.add('stack.json', () => rm(stackFile, { force: true }));

    return {
      webUrl: web.url,
      apiUrl,
      lambdaEndpoint,
      databaseUrl,
      endpoints,
      resources,
      region,
      stop: () => supervisor.stopAll(),
      crashed,
    };
  };

  // A start that fails at any step stops everything it had started: a step that rejects, a part
  // that dies, or an error a child process or a library raises outside any step (an 'error' event
  // nobody listens to, a promise nobody awaits), which would otherwise end the process at once
  // and leave the detached emulators running, holding their ports.
  const strayError = (error: unknown) => fail(error instanceof Error ? error : new Error(String(error)));
  process.on('uncaughtException', strayError);
  process.on('unhandledRejection', strayError);
  try {
    return await Promise.race([start(), crashed]);
  } catch (error) {
    await supervisor.stopAll();
    throw error;
  } finally {
    process.off('uncaughtException', strayError);
    process.off('unhandledRejection', strayError);
  }
}
