/**
 * A Serverless plugin for the local stack only: functions' environment variables that are
 * CloudFormation intrinsics (`!Ref ImportQueue`, `!Sub '…${AWS::Region}…'`) become the values of
 * the local resources, resolved by the same code that created those resources
 * (local-resources.ts). serverless-offline would otherwise pass them on unresolved.
 *
 * It also gives the HTTP API's CORS the local web server's origins (SHELF_WEB_ORIGINS), where a
 * deploy gets the CloudFront distribution's (serverless.yml, provider.httpApi.cors). And it points
 * LAMBDA_TASK_ROOT (where Lambda unpacks a function's zip) at the repository, so that a file a
 * function packages at its repository path (migrateDatabase's .sql files) is found, rather than
 * under the /var/task serverless-offline names, which is no folder on this machine.
 *
 * And it takes the functions' `schedule` events away from serverless-offline, whose scheduler
 * (node-schedule) reads cron in local time with 1 = Monday, where EventBridge reads UTC with
 * 1 = Sunday: the platform fires them instead (aws/eventbridge/schedules.ts).
 *
 * It acts only when `npm start` runs serverless-offline (SHELF_LOCAL_RESOURCES holds the local
 * resources); `serverless package` leaves the intrinsics for CloudFormation.
 */
import { localIntrinsics, type LocalResource } from './local-resources';
import { repoRoot, type ServiceConfig } from '../service-config';

type Environment = Record<string, unknown> | undefined;

interface Serverless {
  service: {
    service: string;
    provider: {
      region: string;
      stage: string;
      environment?: Environment;
      httpApi?: { cors?: boolean | { allowedOrigins?: string[] } };
    };
    functions: Record<string, { environment?: Environment; events?: Record<string, unknown>[] }>;
  };
}

export default class ResolveLocalEnvironment {
  readonly hooks: Record<string, () => void>;

  constructor(private readonly serverless: Serverless) {
    this.hooks = { 'before:offline:start:init': () => this.resolve(), 'before:offline:start': () => this.resolve() };
  }

  private resolve(): void {
    const json = process.env.SHELF_LOCAL_RESOURCES;
    if (!json) return;
    const resources = new Map(Object.entries(JSON.parse(json) as Record<string, LocalResource>));
    const { service } = this.serverless;
    const intrinsics = localIntrinsics(
      { service: service.service, provider: service.provider } as unknown as ServiceConfig,
      resources,
    );
    const resolveAll = (environment: Environment) => {
      for (const [name, value] of Object.entries(environment ?? {})) {
        if (value !== null && typeof value === 'object') environment![name] = String(intrinsics.resolve(value));
      }
    };
    resolveAll(service.provider.environment);
    for (const definition of Object.values(service.functions)) {
      resolveAll(definition.environment);
      if (definition.events) definition.events = definition.events.filter((event) => !('schedule' in event));
    }
    service.provider.environment = { ...service.provider.environment, LAMBDA_TASK_ROOT: repoRoot };

    const cors = service.provider.httpApi?.cors;
    const webOrigins = process.env.SHELF_WEB_ORIGINS;
    if (cors && typeof cors === 'object' && webOrigins) cors.allowedOrigins = JSON.parse(webOrigins) as string[];
  }
}
