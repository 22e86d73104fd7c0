/**
 * One AWS service on the local platform: everything the stack needs to know about it, in one
 * module under infra/local/aws/<service>/. The start-up (start-shelf.ts), the port list, the
 * functions' environment and .local/stack.json are all derived from the list of these modules
 * (services.ts): adding a service is adding one module and one line there.
 */
import type { Destinations } from '../lambda/destinations';
import type { OutputListener } from '../lambda/function-output';
import type { Invocation } from '../lambda/invoke';
import type { LocalResource, Intrinsics } from '../local-resources';
import type { CfnResource, ServiceConfig } from '../../service-config';
import type { Supervisor } from '../supervisor';

export interface ServiceStartContext {
  /** The port this service was given (its port variable, or the default). */
  port: number;
  /** This service's own folder inside the stack's data directory (created on demand). */
  dataDir: string;
  supervisor: Supervisor;
  /** Call when the emulator dies after start: the whole stack stops. */
  fail: (error: Error) => void;
  /** One line per step, e.g. `DynamoDB Local on http://127.0.0.1:8000`. */
  log: (line: string) => void;
  /** The origins the local web app is served from (CORS rules name them locally). */
  webOrigins: readonly string[];
  // No serverless.yml here: emulators start while the framework is still reading it (the slowest
  // independent step); what depends on it belongs in createResources or startTriggers.
}

export interface StartedService {
  /** The emulator's endpoint, if it has one: clients (and the SDK in functions) call it. */
  endpoint?: string;
  /** Variables the functions get, e.g. `{ AWS_ENDPOINT_URL_KINESIS: endpoint }`. */
  functionEnv?: Record<string, string>;
  /** Extra entries for .local/stack.json, under `stackInfo.<name>` (e.g. a page showing what the emulator holds). */
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
  /** Lambda's Invoke API (RequestResponse) on the local function host; never rejects. */
  invoke: (functionKey: string, event: unknown, signal?: AbortSignal) => Promise<Invocation>;
  /**
   * Where asynchronous invocations and stream mappings send their records, by the ARN's service.
   * A service that can receive them registers its delivery here in its startTriggers (SQS does);
   * deliveries are looked up when a record is sent, so the order of the services does not matter.
   */
  destinations: Destinations;
  /**
   * serverless-offline's output, where the functions' logs arrive: `listener` gets each line
   * from now on (lambda/function-output.ts). Returns the unsubscribe.
   */
  functionOutput: (listener: OutputListener) => () => void;
  /** This service's own folder in the stack's data directory (stream checkpoints go there). */
  dataDir: string;
  log: (line: string) => void;
}

/** What `npm run invoke` asks each service for a function's default event. */
export interface SampleEventRequest {
  config: ServiceConfig;
  region: string;
  functionKey: string;
  /**
   * One entry of the function's `events` (e.g. `{ sqs: {...} }`), in their order; undefined when
   * the function declares none of its own and triggers declared on resources are asked for (a
   * bucket's notification names the function, not the other way round).
   */
  declared?: Record<string, unknown>;
  resources: Map<string, LocalResource>;
  intrinsics: Intrinsics;
  /** A sample event from tests/fixtures/events/ (AWS's own), parsed; a fresh copy each call. */
  fixture: (name: string) => unknown;
}

export interface LocalService<S extends StartedService = StartedService, N extends string = string> {
  /** Lower case, e.g. `kinesis`: the key of its port and endpoint. Give it as a literal type (`N`). */
  readonly name: N;
  /** The port the emulator listens on when its port variable is not set (omit: no emulator). */
  readonly defaultPort?: number;
  /** The variable that moves its port, when not SHELF_<NAME>_PORT (kept from before the module). */
  readonly portVariable?: string;
  start?(context: ServiceStartContext): Promise<S>;
  /** CloudFormation types this module creates, e.g. `AWS::Kinesis::Stream`. */
  readonly resourceTypes?: readonly string[];
  createResources?(
    declared: [logicalId: string, resource: CfnResource][],
    context: ResourceContext<S>,
  ): Promise<Map<string, LocalResource>>;
  /** Starts the triggers this service fires, once the functions can be invoked. */
  startTriggers?(context: TriggerContext<S>): Promise<RunningTriggers>;
  /**
   * The event this service would send the function, for `npm run invoke` without --event, with
   * the local names (bucket, queue ARN) filled in; undefined when `request` is not its trigger.
   */
  sampleEvent?(request: SampleEventRequest): unknown;
}
