/**
 * One AWS service on the local platform: everything the stack needs to know about it, in one
 * module under infra/local/aws/<service>/. The start-up (start-shelf.ts), the port list, the
 * functions' environment and .local/stack.json are all derived from the list of these modules
 * (services.ts): adding a service is adding one module and one line there.
 */
import type { Invocation } from '../lambda/invoke';
import type { LocalResource, Intrinsics } from '../local-resources';
import type { CfnResource, ServiceConfig } from '../../service-config';
import type { Supervisor } from '../supervisor';

export interface ServiceStartContext {
  config: ServiceConfig;
  region: string;
  /** The port this service was given (its SHELF_<NAME>_PORT, or the default). */
  port: number;
  /** This service's own folder inside the stack's data directory (created on demand). */
  dataDir: string;
  supervisor: Supervisor;
  /** Call when the emulator dies after start: the whole stack stops. */
  fail(error: Error): void;
  log(line: string): void;
  /** The origins the local web app is served from (CORS rules name them locally). */
  webOrigins: readonly string[];
}

export interface StartedService {
  /** The emulator's endpoint, if it has one: clients (and the SDK in functions) call it. */
  endpoint?: string;
  /** Variables the functions get, e.g. `{ AWS_ENDPOINT_URL_KINESIS: endpoint }`. */
  functionEnv?: Record<string, string>;
  /** Extra entries for .local/stack.json (e.g. a page showing what the emulator holds). */
  stackInfo?: Record<string, unknown>;
}

export interface ResourceContext<S extends StartedService> {
  config: ServiceConfig;
  region: string;
  started: S;
  /** Resolves Ref/GetAtt/Sub against everything created so far, by earlier services too. */
  intrinsics: Intrinsics;
  credentials: { accessKeyId: string; secretAccessKey: string };
  webOrigins: readonly string[];
  /** Endpoints of every started service, by service name. */
  endpoints: Record<string, string>;
}

/** A trigger's running part: polling, listening or scheduling. */
export interface RunningTriggers {
  /** One line per wired trigger, e.g. `SQS ImportQueue → loadImportChunk`. */
  sources: string[];
  /** Resolves once nothing is being gathered, invoked or retried. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface TriggerContext<S extends StartedService> {
  config: ServiceConfig;
  region: string;
  started: S;
  resources: Map<string, LocalResource>;
  intrinsics: Intrinsics;
  endpoints: Record<string, string>;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Lambda's Invoke API (RequestResponse) on the local function host. */
  invoke(functionKey: string, event: unknown, signal?: AbortSignal): Promise<Invocation>;
  log(line: string): void;
}

export interface LocalService<S extends StartedService = StartedService> {
  /** Lower case, e.g. `kinesis`; its port variable is SHELF_<NAME>_PORT. */
  readonly name: string;
  /** The port the emulator listens on when SHELF_<NAME>_PORT is not set (omit: no emulator). */
  readonly defaultPort?: number;
  start?(context: ServiceStartContext): Promise<S>;
  /** CloudFormation types this module creates, e.g. `AWS::Kinesis::Stream`. */
  readonly resourceTypes?: readonly string[];
  createResources?(
    declared: [logicalId: string, resource: CfnResource][],
    context: ResourceContext<S>,
  ): Promise<Map<string, LocalResource>>;
  /** Starts the triggers this service fires, once the functions can be invoked. */
  startTriggers?(context: TriggerContext<S>): Promise<RunningTriggers>;
}
