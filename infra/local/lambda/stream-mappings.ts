/**
 * A function's `stream` events (osls's syntax, docs/events/streams.md of oss-serverless/serverless)
 * read into the stream poller's mappings, with the defaults the framework deploys (it sets
 * BatchSize 10 and StartingPosition TRIM_HORIZON when they are not given; the rest are Lambda's).
 * The Kinesis and DynamoDB Streams modules call startStreamPollers with their type, a reader for
 * a stream ARN and their event format; the poller core does the rest.
 */
import { join } from 'node:path';
import type { ServiceConfig } from '../../service-config';
import type { RunningTriggers, StartedService, TriggerContext } from '../aws/local-service';
import type { Intrinsics, LocalResource } from '../local-resources';
import {
  fileCheckpoints,
  startStreamPoller,
  type PollerTiming,
  type RunningPoller,
  type StreamMapping,
} from './event-source-poller';
import { functionArn } from './invoke';
import type { StreamEventFormat, StreamReader } from './stream-source';

export type StreamType = 'dynamodb' | 'kinesis';

/** The `stream` event as serverless.yml declares it (or just the stream's ARN). */
export interface StreamEventSource {
  arn: unknown;
  type?: StreamType;
  batchSize?: number;
  /** Seconds to gather a batch for (MaximumBatchingWindowInSeconds); osls calls it batchWindow. */
  batchWindow?: number;
  startingPosition?: 'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP';
  startingPositionTimestamp?: number;
  enabled?: boolean;
  /** Kinesis enhanced fan-out: locally the stream is read the same way. */
  consumer?: unknown;
  maximumRetryAttempts?: number;
  bisectBatchOnFunctionError?: boolean;
  maximumRecordAgeInSeconds?: number;
  functionResponseType?: 'ReportBatchItemFailures';
  destinations?: { onFailure: unknown };
  tumblingWindowInSeconds?: number;
  parallelizationFactor?: number;
  filterPatterns?: unknown[];
}

export interface DeclaredStreamMapping extends StreamMapping {
  type: StreamType;
  /** The stream's ARN, resolved against the local resources. */
  eventSourceArn: string;
  enabled: boolean;
}

/** Every `stream` event of `type` in serverless.yml, as the poller's mappings. */
export function streamMappings(
  config: ServiceConfig,
  type: StreamType,
  intrinsics: Intrinsics,
): DeclaredStreamMapping[] {
  const mappings: DeclaredStreamMapping[] = [];
  for (const [functionKey, fn] of Object.entries(config.functions)) {
    for (const event of fn.events ?? []) {
      if (!('stream' in event)) continue;
      const declared = event.stream as StreamEventSource | string;
      const source: StreamEventSource = typeof declared === 'string' ? { arn: declared } : declared;
      const eventSourceArn = String(intrinsics.resolve(source.arn));
      if ((source.type ?? eventSourceArn.split(':')[2]) !== type) continue;
      mappings.push(streamMapping(functionKey, source, type, eventSourceArn, intrinsics));
    }
  }
  return mappings;
}

function streamMapping(
  functionKey: string,
  source: StreamEventSource,
  type: StreamType,
  eventSourceArn: string,
  intrinsics: Intrinsics,
): DeclaredStreamMapping {
  if (source.filterPatterns?.length) {
    throw new Error(`${functionKey}: stream filterPatterns are not applied by the local event sources`);
  }
  const startingPosition = source.startingPosition ?? 'TRIM_HORIZON';
  if (startingPosition === 'AT_TIMESTAMP' && source.startingPositionTimestamp === undefined) {
    throw new Error(`${functionKey}: startingPosition AT_TIMESTAMP needs startingPositionTimestamp`);
  }
  const onFailure = source.destinations?.onFailure;
  const onFailureArn =
    onFailure === undefined
      ? undefined
      : String(
          intrinsics.resolve(
            typeof onFailure === 'object' && onFailure !== null && 'arn' in onFailure ? onFailure.arn : onFailure,
          ),
        );
  return {
    type,
    functionKey,
    eventSourceArn,
    enabled: source.enabled ?? true,
    batchSize: source.batchSize ?? 10,
    maximumBatchingWindowSeconds: source.batchWindow ?? 0,
    startingPosition,
    ...(source.startingPositionTimestamp !== undefined
      ? { startingPositionTimestamp: source.startingPositionTimestamp }
      : {}),
    maximumRetryAttempts: source.maximumRetryAttempts ?? -1,
    // The framework passes the setting on only when it is truthy: 0 means unset.
    maximumRecordAgeSeconds: source.maximumRecordAgeInSeconds || -1,
    bisectBatchOnFunctionError: source.bisectBatchOnFunctionError ?? false,
    reportBatchItemFailures: source.functionResponseType === 'ReportBatchItemFailures',
    tumblingWindowSeconds: source.tumblingWindowInSeconds ?? 0,
    parallelizationFactor: source.parallelizationFactor ?? 1,
    ...(onFailureArn ? { onFailure: onFailureArn } : {}),
  };
}

/** The logical id of the resource whose ARN (or an attribute, such as a table's StreamArn) is `arn`. */
export function resourceIdForArn(resources: Map<string, LocalResource>, arn: string): string | undefined {
  for (const [id, resource] of resources) {
    if (resource.arn === arn || Object.values(resource.attributes ?? {}).includes(arn)) return id;
  }
  return undefined;
}

export interface StreamPollersOptions<R> {
  type: StreamType;
  /** How log lines name the service, e.g. `Kinesis`, `DynamoDB Streams`. */
  label: string;
  /** A reader of the stream with this ARN (one per mapping: each keeps its own iterators). */
  reader(eventSourceArn: string): StreamReader<R>;
  format: StreamEventFormat<R>;
  timing?: PollerTiming;
}

/**
 * Starts a poller for every enabled `stream` event of `type`: what a Kinesis or DynamoDB Streams
 * module's startTriggers returns. Checkpoints are kept in the service's data folder, so a restart
 * goes on where the last run stopped instead of reading the stream from its start again.
 */
export function startStreamPollers<R, S extends StartedService>(
  context: TriggerContext<S>,
  options: StreamPollersOptions<R>,
): RunningTriggers {
  const { config, resources } = context;
  const mappings = streamMappings(config, options.type, context.intrinsics);
  const pollers: RunningPoller[] = [];
  const sources: string[] = [];
  for (const mapping of mappings) {
    const stream = resourceIdForArn(resources, mapping.eventSourceArn) ?? mapping.eventSourceArn;
    const label = `${options.label} ${stream} → ${mapping.functionKey}`;
    sources.push(`${label}${mapping.enabled ? '' : ' (disabled)'}`);
    if (!mapping.enabled) continue;
    if (mapping.parallelizationFactor > 1) {
      context.log(
        `${label}: parallelizationFactor ${mapping.parallelizationFactor} is not applied locally (one batch per shard)`,
      );
    }
    pollers.push(
      startStreamPoller({
        mapping,
        reader: options.reader(mapping.eventSourceArn),
        format: options.format,
        invoke: context.invoke,
        destinations: context.destinations,
        region: context.region,
        functionArn: functionArn(config, mapping.functionKey),
        label,
        checkpoints: fileCheckpoints(
          join(context.dataDir, 'checkpoints.json'),
          `${mapping.functionKey} ${mapping.eventSourceArn}`,
        ),
        log: context.log,
        ...(options.timing ? { timing: options.timing } : {}),
      }),
    );
  }
  return {
    sources,
    async idle() {
      await Promise.all(pollers.map((p) => p.idle()));
    },
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
    },
  };
}
