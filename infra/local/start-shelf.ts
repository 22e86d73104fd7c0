/**
 * The whole shop on one machine, derived from the list of service modules (aws/services.ts): each
 * service's emulator started side by side with the reading of serverless.yml and the web app's
 * build, the resources serverless.yml declares created by the module for their type (in the
 * list's order), migrations and demo data, serverless-offline serving the functions with every
 * module's environment, then every module's triggers. Used by `npm start` (start.ts) and by the
 * integration tests (tests/integration/global-setup.ts), on different ports.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { migrate } from '../../shared/adapters/postgres/migrator';
import { frameworkEnv, loadServiceConfig, repoRoot, serverlessBin, type ServiceConfig } from '../service-config';
import { buildWebApp } from '../web/build-web-app';
import { localCredentials } from './aws/local-credentials';
import type { LocalService, RunningTriggers, StartedService } from './aws/local-service';
import { services, type ServiceName } from './aws/services';
import { loadCloudFrontFunction } from './cloudfront-function';
import { Destinations } from './lambda/destinations';
import { startFunctionDestinations } from './lambda/function-destinations';
import { FunctionOutput } from './lambda/function-output';
import { localInvoker } from './lambda/invoke';
import { localIntrinsics, type LocalResource } from './local-resources';
import type { ShelfPorts } from './ports';
import { endInterruptedImports, projectCatalog, seedDemoCatalog } from './seed';
import { assertPortFree, Supervisor, waitForPort } from './supervisor';
import { startWebServer } from './web-server';

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
  /** serverless-offline's Lambda Invoke API (what the local triggers and `npm run invoke` call). */
  lambdaEndpoint: string;
  databaseUrl: string;
  /** Every started service's endpoint, by its name. */
  endpoints: Record<ServiceName, string>;
  /** What every module gives the functions' environment (AWS_ENDPOINT_URL_*, DATABASE_URL). */
  functionEnv: Record<string, string>;
  resources: Map<string, LocalResource>;
  region: string;
  /** Resolves once no trigger is gathering, invoking or retrying. */
  idle(): Promise<void>;
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

/** The modules as the start-up loops over them: their own Started types do not matter there. */
const modules = services as readonly LocalService<StartedService & { endpoint?: string }>[];

/** A URL as stack.json keeps it: without a password. */
function withoutPassword(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    if (!url.password) return endpoint;
    url.password = '';
    return url.toString();
  } catch {
    return endpoint;
  }
}

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
    // The slow, independent parts start together: every emulator, serverless.yml, the web build.
    await assertPortFree('web app', ports.web);
    const webRoot = join(dataDir, 'web');
    const webBuild = new AbortController();
    supervisor.add('web app build', () => Promise.resolve(webBuild.abort()));
    const reading = new AbortController();
    supervisor.add('serverless print', () => Promise.resolve(reading.abort()));
    // The browser may call the app by either name; the API's and S3's CORS rules allow both.
    const webOrigins = [`http://127.0.0.1:${ports.web}`, `http://localhost:${ports.web}`, ...extraWebOrigins];
    const [config, startedList] = await whileWaiting(
      Promise.all([
        loadServiceConfig(stage, process.env, reading.signal).then((c) => (step('read serverless.yml'), c)),
        Promise.all(
          modules.map(
            async (service): Promise<StartedService & { endpoint?: string }> =>
              (await service.start?.({
                port: ports[service.name as ServiceName],
                dataDir: join(dataDir, service.name),
                supervisor,
                fail,
                log: step,
                webOrigins,
              })) ?? {},
          ),
        ),
        buildWebApp(webRoot, webBuild.signal).then(() => step('web app built (Vite)')),
      ]),
      (seconds) => step(`still starting the emulators, PostgreSQL and the web app build… ${seconds} s`),
    );
    const region = config.provider.region;
    const startedBy = new Map(modules.map((service, i) => [service, startedList[i]!]));
    const endpoints = Object.fromEntries(
      modules.flatMap((service) => {
        const { endpoint } = startedBy.get(service)!;
        return endpoint ? [[service.name, endpoint]] : [];
      }),
    ) as Record<ServiceName, string>;

    const pool = new Pool({ connectionString: endpoints.rds, max: 2 });
    let resources: Map<string, LocalResource>;
    try {
      const [applied, created] = await Promise.all([
        migrate(pool),
        createResources(config, startedBy, endpoints, webOrigins),
      ]);
      resources = created;
      step(
        `migrations: ${applied.length ? applied.join(', ') : 'up to date'}; resources: ${[...created.keys()].join(', ')}`,
      );
      const local = { endpoint: endpoints.dynamodb, region, credentials: localCredentials };
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
    const functionEnv = startedList.reduce<Record<string, string>>((env, s) => ({ ...env, ...s.functionEnv }), {});
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...frameworkEnv,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      // Every module's variables: the SDK's service-specific endpoints (AWS_ENDPOINT_URL_*), so
      // handlers run unchanged against the emulators, and DATABASE_URL.
      ...functionEnv,
      // Lambda's Invoke API is serverless-offline's own (postConfirmation invokes createCustomer).
      AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${ports.lambda}`,
      ...(functionsDynamoDbEndpoint ? { AWS_ENDPOINT_URL_DYNAMODB: functionsDynamoDbEndpoint } : {}),
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
    // The functions' output, also as lines for the triggers that read it (CloudWatch Logs).
    const functionOutput = new FunctionOutput();
    supervisor.spawn(
      'serverless-offline',
      process.execPath,
      offlineArgs,
      { cwd: repoRoot, env: childEnv },
      fail,
      (chunk, stream) => {
        onFunctionOutput?.(chunk);
        functionOutput.write(chunk, stream);
      },
    );
    await whileWaiting(
      waitForPort('serverless-offline', ports.api, { timeoutMs: 240_000, failed: givenUp }),
      (seconds) => step(`serverless-offline is bundling the functions (esbuild)… ${seconds} s`),
    );
    await waitForPort('serverless-offline Lambda endpoint', ports.lambda, { timeoutMs: 10_000, failed: givenUp });
    step('HTTP API (serverless-offline) ready');

    // The triggers serverless-offline does not run, each module's own. They stop before
    // serverless-offline does (the supervisor stops in reverse order), so no batch is cut off
    // mid-invocation by the function host going away.
    const apiUrl = `http://127.0.0.1:${ports.api}`;
    const lambdaEndpoint = `http://127.0.0.1:${ports.lambda}`;
    const triggers = await startTriggers(config, startedBy, {
      resources,
      endpoints,
      dataDir,
      invoke: localInvoker(lambdaEndpoint, config),
      functionOutput,
      log: step,
      supervisor,
    });
    step(`event sources: ${triggers.flatMap((t) => t.sources).join('; ') || 'none declared'}`);

    const routeFunction = config.resources.Resources.WebRouteFunction?.Properties?.FunctionCode;
    if (typeof routeFunction !== 'string') throw new Error('serverless.yml declares no WebRouteFunction code');
    const web = await startWebServer({
      port: ports.web,
      root: webRoot,
      apiUrl,
      s3Endpoint: endpoints.s3,
      viewerRequest: loadCloudFrontFunction(routeFunction),
      dataDir,
      mailbox: `${endpoints.ses}/`,
      userPool: { endpoint: endpoints.cognito, clientId: resources.get('UserPoolClient')!.ref },
    });
    supervisor.add('web app', () => web.stop());
    step(`web app on ${web.url}`);

    writeStackFiles(dataDir, supervisor, config, {
      webUrl: web.url,
      apiUrl,
      lambdaEndpoint,
      region,
      endpoints: Object.fromEntries(Object.entries(endpoints).map(([name, url]) => [name, withoutPassword(url)])),
      stackInfo: Object.fromEntries(
        modules.flatMap((service) => {
          const { stackInfo } = startedBy.get(service)!;
          return stackInfo ? [[service.name, stackInfo]] : [];
        }),
      ),
      resources: Object.fromEntries(resources),
    });

    return {
      webUrl: web.url,
      apiUrl,
      lambdaEndpoint,
      databaseUrl: endpoints.rds,
      endpoints,
      functionEnv,
      resources,
      region,
      idle: async () => void (await Promise.all(triggers.map((t) => t.idle()))),
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

type Started = Map<LocalService<StartedService & { endpoint?: string }>, StartedService & { endpoint?: string }>;

/** Every module creates the resources of its types, in the list's order. */
async function createResources(
  config: ServiceConfig,
  startedBy: Started,
  endpoints: Record<string, string>,
  webOrigins: readonly string[],
): Promise<Map<string, LocalResource>> {
  const resources = new Map<string, LocalResource>();
  const intrinsics = localIntrinsics(config, resources);
  const declared = Object.entries(config.resources.Resources);
  for (const [service, started] of startedBy) {
    if (!service.createResources || !service.resourceTypes?.length) continue;
    const types = service.resourceTypes;
    const created = await service.createResources(
      declared.filter(([, resource]) => types.includes(resource.Type)),
      {
        config,
        region: config.provider.region,
        started,
        intrinsics,
        credentials: localCredentials,
        webOrigins,
        endpoints,
      },
    );
    for (const [id, resource] of created) resources.set(id, resource);
  }
  return resources;
}

async function startTriggers(
  config: ServiceConfig,
  startedBy: Started,
  context: {
    resources: Map<string, LocalResource>;
    endpoints: Record<string, string>;
    dataDir: string;
    invoke: ReturnType<typeof localInvoker>;
    functionOutput: FunctionOutput;
    log: (line: string) => void;
    supervisor: Supervisor;
  },
): Promise<RunningTriggers[]> {
  const destinations = new Destinations();
  const intrinsics = localIntrinsics(config, context.resources);
  const running: RunningTriggers[] = [];
  // All stop together, and only then do the destinations close: a trigger still finishing may be
  // sending a record to another service's destination.
  context.supervisor.add('triggers', async () => {
    await Promise.all(running.map((triggers) => triggers.stop()));
    destinations.close();
  });
  // Functions as destinations of other functions are Lambda's own, not a service module's.
  running.push(
    startFunctionDestinations({ config, intrinsics, invoke: context.invoke, destinations, log: context.log }),
  );
  for (const [service, started] of startedBy) {
    if (!service.startTriggers) continue;
    running.push(
      await service.startTriggers({
        config,
        region: config.provider.region,
        started,
        resources: context.resources,
        intrinsics,
        endpoints: context.endpoints,
        credentials: localCredentials,
        invoke: context.invoke,
        destinations,
        functionOutput: (listener) => context.functionOutput.subscribe(listener),
        dataDir: join(context.dataDir, service.name),
        log: context.log,
      }),
    );
  }
  return running;
}

/**
 * Where scripts find this stack (npm run redrive, npm run invoke): stack.json, and the
 * serverless.yml it runs as the framework printed it (serverless.json); gone again once it stops.
 */
function writeStackFiles(
  dataDir: string,
  supervisor: Supervisor,
  config: ServiceConfig,
  stack: Record<string, unknown>,
) {
  const stackFile = join(dataDir, 'stack.json');
  const configFile = join(dataDir, 'serverless.json');
  writeFileSync(configFile, `${JSON.stringify(config)}\n`);
  writeFileSync(stackFile, `${JSON.stringify({ stage: config.provider.stage, ...stack }, null, 2)}\n`);
  supervisor.add('stack.json', () =>
    Promise.all([rm(stackFile, { force: true }), rm(configFile, { force: true })]).then(() => undefined),
  );
}
