/**
 * Reads serverless.yml (and every file it includes) through the Serverless Framework itself, so
 * the local stack sees exactly what a deploy would: variables, params and includes resolved.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const repoRoot = join(__dirname, '..');

export interface HttpApiEvent {
  httpApi: { method: string; path: string; authorizer?: { name: string } };
}

/** An SQS event source mapping; `arn` is usually an intrinsic such as `Fn::GetAtt: [Queue, Arn]`. */
export interface SqsEventSource {
  arn: unknown;
  batchSize?: number;
  maximumBatchingWindow?: number;
  functionResponseType?: 'ReportBatchItemFailures';
  maximumConcurrency?: number;
  enabled?: boolean;
  filterPatterns?: unknown[];
}

export interface SqsEvent {
  /** The framework also accepts the queue ARN alone. */
  sqs: SqsEventSource | string;
}

/** Where Lambda sends the record of an asynchronous invocation: an ARN, or a typed target. */
export type DestinationConfig = string | { type?: 'function' | 'sns' | 'sqs' | 'eventBus'; arn: unknown };

export interface FunctionConfig {
  handler: string;
  /** The deployed function name; `serverless print` always fills it in (`<service>-<stage>-<key>`). */
  name?: string;
  events?: (HttpApiEvent | SqsEvent | Record<string, unknown>)[];
  environment?: Record<string, unknown>;
  timeout?: number;
  reservedConcurrency?: number;
  /** Retries of a failed asynchronous invocation (0-2; Lambda's default is 2). */
  maximumRetryAttempts?: number;
  /** Seconds an asynchronous event may wait to be tried (60-21600; Lambda's default is 6 hours). */
  maximumEventAge?: number;
  destinations?: { onSuccess?: DestinationConfig; onFailure?: DestinationConfig };
  /** The dead-letter queue or topic of asynchronous invocations: an ARN (or an intrinsic giving one). */
  onError?: unknown;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  /** The name of a condition in `resources.Conditions`: the resource exists only when it holds. */
  Condition?: string;
}

export interface ServiceConfig {
  service: string;
  provider: { region: string; stage: string; environment?: Record<string, unknown>; [key: string]: unknown };
  functions: Record<string, FunctionConfig>;
  resources: {
    Resources: Record<string, CfnResource>;
    Outputs?: Record<string, unknown>;
    Parameters?: Record<string, { Default?: unknown }>;
    Conditions?: Record<string, unknown>;
  };
}

/** Environment for running the framework with no telemetry and no update notices. */
export const frameworkEnv = { SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };

export const serverlessBin = join(repoRoot, 'node_modules', 'serverless', 'bin', 'serverless.js');

/** `signal` stops the framework early (the local stack stopping while it starts). */
export async function loadServiceConfig(
  stage: string,
  env: NodeJS.ProcessEnv = process.env,
  signal?: AbortSignal,
): Promise<ServiceConfig> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [serverlessBin, 'print', '--stage', stage, '--format', 'json'],
    {
      cwd: repoRoot,
      env: { ...env, ...frameworkEnv },
      maxBuffer: 64 * 1024 * 1024,
      signal,
    },
  );
  return JSON.parse(stdout) as ServiceConfig;
}
