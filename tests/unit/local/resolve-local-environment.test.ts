// The local-only plugin that readies serverless-offline's functions: their intrinsic environment
// values made local, Lambda's task root where a packaged function's files are (the repository),
// and its own scheduler kept off the functions' schedules.
import { repoRoot } from '../../../infra/service-config';
import { defaultMigrationsDir, readMigrations } from '../../../shared/adapters/postgres/migrator';

// The .ts module itself: jest would otherwise pick resolve-local-environment.cjs, the framework's entry.
const ResolveLocalEnvironment = jest.requireActual<typeof import('../../../infra/local/resolve-local-environment')>(
  '../../../infra/local/resolve-local-environment.ts',
).default;

function serverless() {
  return {
    service: {
      service: 'shelf',
      provider: { region: 'us-east-1', stage: 'local', environment: { STAGE: 'local' } as Record<string, unknown> },
      functions: {
        processUpload: { environment: { IMPORT_QUEUE_URL: { Ref: 'ImportQueue' } } as Record<string, unknown> },
        projectCatalog: {
          events: [
            { schedule: 'cron(0 2 ? * 1 *)' },
            { sqs: { arn: 'arn:aws:sqs:us-east-1:000000000000:q' } },
          ] as Record<string, unknown>[],
        },
      },
    },
  };
}

const localResources = {
  ImportQueue: {
    type: 'AWS::SQS::Queue',
    ref: 'http://127.0.0.1:9324/000000000000/shelf-local-imports',
    arn: 'arn:aws:sqs:us-east-1:000000000000:shelf-local-imports',
  },
};

const saved = process.env.SHELF_LOCAL_RESOURCES;
afterEach(() => {
  if (saved === undefined) delete process.env.SHELF_LOCAL_RESOURCES;
  else process.env.SHELF_LOCAL_RESOURCES = saved;
});

describe('resolve-local-environment plugin', () => {
  it('gives serverless-offline the local resources and the repository as the task root', () => {
    process.env.SHELF_LOCAL_RESOURCES = JSON.stringify(localResources);
    const sls = serverless();

    new ResolveLocalEnvironment(sls).hooks['before:offline:start:init']!();

    expect(sls.service.functions.processUpload.environment).toEqual({
      IMPORT_QUEUE_URL: localResources.ImportQueue.ref,
    });
    expect(sls.service.provider.environment).toEqual({ STAGE: 'local', LAMBDA_TASK_ROOT: repoRoot });
    // serverless-offline would fire the schedule in local time with 1 = Monday; the platform fires it.
    expect(sls.service.functions.projectCatalog.events).toEqual([
      { sqs: { arn: 'arn:aws:sqs:us-east-1:000000000000:q' } },
    ]);
    // Where migrateDatabase then reads its .sql files (the deployed zip carries them at this path).
    const taskRoot = sls.service.provider.environment.LAMBDA_TASK_ROOT as string;
    expect(readMigrations(defaultMigrationsDir(taskRoot)).map((m) => m.name)).toContain('001-products-and-orders.sql');
  });

  it('changes nothing when the local stack is not what runs it (serverless package)', () => {
    delete process.env.SHELF_LOCAL_RESOURCES;
    const sls = serverless();

    new ResolveLocalEnvironment(sls).hooks['before:offline:start']!();

    expect(sls).toEqual(serverless());
  });
});
