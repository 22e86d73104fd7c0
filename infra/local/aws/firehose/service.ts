/**
 * Kinesis Data Firehose on the local platform. No Firehose emulator exists, so this is a small
 * one: each AWS::KinesisFirehose::DeliveryStream declared in serverless.yml's resources runs as
 * delivery-stream.ts describes (buffering by size and interval as declared, the transformation
 * function invoked with Firehose's event, objects written to the local S3 under the declared
 * prefixes), fed either by its Kinesis stream (KinesisStreamAsSource, read through the Kinesis
 * module's StreamReader and checkpointed in this service's data directory) or by PutRecord and
 * PutRecordBatch on its own endpoint (DirectPut, firehose-api.ts).
 *
 * Locally a minute of Firehose's lasts a second (timing.scale, 1/60), so a 300-second buffer
 * delivers in 5 seconds; SHELF_FIREHOSE_TIME_SCALE=1 runs on AWS's own clock.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { settledWithin } from '../../lambda/bounded-waits';
import { functionName, referencedFunctionKey } from '../../lambda/invoke';
import type { Intrinsics, LocalResource } from '../../local-resources';
import type { StartedService, LocalService, TriggerContext } from '../local-service';
import type { StreamReader } from '../../lambda/stream-source';
import type { CfnResource, ServiceConfig } from '../../../service-config';
import { DeliveryStream, defaultDeliveryTiming, type DeliveryStreamConfig, type SourceRecord } from './delivery-stream';
import { effectivePrefixes } from './s3-prefixes';
import { localAccountId, startFirehoseApi, type ApiDeliveryStream } from './firehose-api';

/** What a Kinesis record gives Firehose. */
export interface KinesisRecordParts {
  data: Uint8Array;
  partitionKey: string;
  sequenceNumber: string;
  /** When it reached the stream, epoch milliseconds. */
  arrivedAt: number;
}

/** A Kinesis stream to read, as the Kinesis module supplies it: its reader and how to read a record. */
export interface KinesisStreamSource<R = unknown> {
  reader: StreamReader<R>;
  parts(record: R): KinesisRecordParts;
}

/**
 * How the firehose service reaches a Kinesis stream: given by whoever lists the services
 * (services.ts), from the Kinesis module, so this module needs nothing of Kinesis's own.
 */
export type KinesisSourceFactory = (
  streamArn: string,
  context: TriggerContext<StartedService>,
) => KinesisStreamSource | Promise<KinesisStreamSource>;

/** `parts` for records shaped as the AWS SDK's Kinesis GetRecords returns them (`_Record`). */
export function sdkKinesisRecordParts(record: {
  Data?: Uint8Array;
  PartitionKey?: string;
  SequenceNumber?: string;
  ApproximateArrivalTimestamp?: Date;
}): KinesisRecordParts {
  return {
    data: record.Data ?? new Uint8Array(),
    partitionKey: record.PartitionKey ?? '',
    sequenceNumber: record.SequenceNumber ?? '',
    arrivedAt: record.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
  };
}

export interface FirehoseTiming {
  /** Multiplies every declared duration; default 1/60 (SHELF_FIREHOSE_TIME_SCALE overrides it). */
  scale: number;
  /** Between two tries of a failed invocation or S3 write. */
  retryDelayMs: number;
  /** How often each shard is read when the last read found nothing (Firehose: once a second). */
  pollIntervalMs: number;
  /** How long stop() waits for buffered records to be delivered. */
  stopTimeoutMs: number;
}

export interface FirehoseStarted extends StartedService {
  endpoint: string;
  functionEnv: { AWS_ENDPOINT_URL_FIREHOSE: string };
  /** The delivery streams by name, filled by createResources. */
  streams: Map<string, ParsedDeliveryStream>;
  dataDir: string;
}

interface Parameter {
  ParameterName: string;
  ParameterValue: unknown;
}

const megabytes = (value: unknown, fallback: number) => Math.round(Number(value ?? fallback) * 1024 * 1024);

/** The function a processor's LambdaArn names: `Fn::GetAtt: [XLambdaFunction, Arn]` or an ARN. */
export function processorFunctionKey(reference: unknown, config: ServiceConfig): string {
  const key = referencedFunctionKey(reference, config);
  if (!key) throw new Error(`A Firehose processor names ${JSON.stringify(reference)}, not a function of this service`);
  return key;
}

export interface ParsedDeliveryStream extends ApiDeliveryStream {
  logicalId: string;
}

/** A declared delivery stream as the engine runs it; what this emulator cannot do is refused here. */
export function deliveryStreamConfig(
  logicalId: string,
  resource: CfnResource,
  context: { config: ServiceConfig; intrinsics: Intrinsics; region: string },
): ParsedDeliveryStream {
  const { config, intrinsics, region } = context;
  // Only what the local Firehose uses is resolved: roles and log groups are not created locally.
  const resolved = <T>(value: unknown) => (value === undefined ? undefined : (intrinsics.resolve(value) as T));
  const properties = resource.Properties ?? {};
  const declaredDestination = (properties.ExtendedS3DestinationConfiguration ??
    properties.S3DestinationConfiguration) as Record<string, unknown> | undefined;
  if (!declaredDestination)
    throw new Error(`${logicalId}: the local Firehose delivers to S3 only (ExtendedS3DestinationConfiguration)`);
  const destination = {
    BucketARN: resolved<string>(declaredDestination.BucketARN),
    Prefix: resolved<string>(declaredDestination.Prefix),
    ErrorOutputPrefix: resolved<string>(declaredDestination.ErrorOutputPrefix),
    CompressionFormat: resolved<string>(declaredDestination.CompressionFormat),
    BufferingHints: resolved<{ SizeInMBs?: unknown; IntervalInSeconds?: unknown }>(declaredDestination.BufferingHints),
  };
  // The processor's function is not resolved: functions are no resources on the local stack.
  const processing = declaredDestination.ProcessingConfiguration;
  const name =
    resolved<string>(properties.DeliveryStreamName) ?? `${config.service}-${config.provider.stage}-${logicalId}`;
  const type = resolved<string>(properties.DeliveryStreamType) ?? 'DirectPut';
  if (type !== 'DirectPut' && type !== 'KinesisStreamAsSource')
    throw new Error(`${logicalId}: DeliveryStreamType ${type} is not emulated locally`);
  const compression = destination.CompressionFormat ?? 'UNCOMPRESSED';
  if (compression !== 'UNCOMPRESSED' && compression !== 'GZIP')
    throw new Error(`${logicalId}: CompressionFormat ${compression} is not emulated locally (UNCOMPRESSED, GZIP)`);
  const bucket = /^arn:[^:]+:s3:::([^/]+)$/.exec(String(destination.BucketARN))?.[1];
  if (!bucket) throw new Error(`${logicalId}: BucketARN ${String(destination.BucketARN)} is not a bucket ARN`);

  let processor: DeliveryStreamConfig['processor'];
  const declaredProcessing = processing as
    { Enabled?: unknown; Processors?: { Type: string; Parameters?: Parameter[] }[] } | undefined;
  if (declaredProcessing && String(intrinsics.resolve(declaredProcessing.Enabled)) !== 'false') {
    for (const declared of declaredProcessing.Processors ?? []) {
      if (declared.Type !== 'Lambda')
        throw new Error(`${logicalId}: processor ${declared.Type} is not emulated locally`);
      const parameters = new Map((declared.Parameters ?? []).map((p) => [p.ParameterName, p.ParameterValue]));
      const value = (parameterName: string) => {
        const parameter = parameters.get(parameterName);
        return parameter === undefined ? undefined : intrinsics.resolve(parameter);
      };
      const functionKey = processorFunctionKey(parameters.get('LambdaArn'), config);
      processor = {
        functionKey,
        functionArn: `arn:aws:lambda:${region}:${localAccountId}:function:${functionName(config, functionKey)}:$LATEST`,
        bufferSizeBytes: megabytes(value('BufferSizeInMBs'), 1),
        bufferIntervalSeconds: Number(value('BufferIntervalInSeconds') ?? 60),
        numberOfRetries: Number(value('NumberOfRetries') ?? 3),
      };
    }
  }
  const sourceStreamArn = resolved<string>(
    (properties.KinesisStreamSourceConfiguration as { KinesisStreamARN?: unknown } | undefined)?.KinesisStreamARN,
  );
  if (type === 'KinesisStreamAsSource' && !sourceStreamArn)
    throw new Error(`${logicalId}: KinesisStreamAsSource without KinesisStreamSourceConfiguration.KinesisStreamARN`);
  const hints = destination.BufferingHints;
  const streamConfig: DeliveryStreamConfig = {
    name,
    arn: `arn:aws:firehose:${region}:${localAccountId}:deliverystream/${name}`,
    ...(type === 'KinesisStreamAsSource' ? { sourceStreamArn } : {}),
    bucket,
    prefix: destination.Prefix,
    errorOutputPrefix: destination.ErrorOutputPrefix,
    compression,
    // Firehose's defaults for S3: 5 MB or 300 seconds.
    buffering: { sizeBytes: megabytes(hints?.SizeInMBs, 5), intervalSeconds: Number(hints?.IntervalInSeconds ?? 300) },
    ...(processor ? { processor } : {}),
  };
  // Checked as Firehose checks them: a bad prefix fails the start, not a delivery.
  effectivePrefixes(streamConfig);
  return { logicalId, config: streamConfig, type };
}

/** Where a delivery stream keeps how far it has delivered each shard: a file in the service's data directory. */
export function checkpointStore(dataDir: string, streamName: string) {
  const file = join(dataDir, `${streamName}.checkpoints.json`);
  let positions: Record<string, string> | undefined;
  return {
    async load(): Promise<Record<string, string>> {
      positions ??= await readFile(file, 'utf8').then(
        (text) => JSON.parse(text) as Record<string, string>,
        () => ({}),
      );
      return { ...positions };
    },
    async save(delivered: Record<string, string>): Promise<void> {
      positions = { ...(await this.load()), ...delivered };
      await mkdir(dataDir, { recursive: true });
      // Written whole, then renamed: a stop mid-write never leaves half a file.
      await writeFile(`${file}.tmp`, JSON.stringify(positions, null, 2));
      await rename(`${file}.tmp`, file);
    },
  };
}

/**
 * Reads every shard of a Kinesis stream into a delivery stream, each from its checkpoint, parents
 * before their children. Firehose starts a new delivery stream at LATEST; locally the stream and
 * the delivery stream are created together at start, so TRIM_HORIZON reads the same records, and
 * none is missed between the first read and the next.
 */
export async function pumpKinesis(options: {
  engine: DeliveryStream;
  source: KinesisStreamSource;
  checkpoints: ReturnType<typeof checkpointStore>;
  signal: AbortSignal;
  pollIntervalMs: number;
  /** Set while the last round of reads found records. */
  status: { busy: boolean };
  log: (line: string) => void;
}): Promise<void> {
  const { engine, source, checkpoints, signal, pollIntervalMs, status, log } = options;
  const { reader } = source;
  const readFrom = await checkpoints.load();
  const ended = new Set<string>();
  let failing = false;
  const sleep = (ms: number) => delay(ms, undefined, { signal }).catch(() => undefined);
  while (!signal.aborted) {
    let read = 0;
    try {
      const shards = await reader.listShards();
      const known = new Set(shards.map((shard) => shard.shardId));
      for (const shard of shards) {
        if (ended.has(shard.shardId)) continue;
        if (shard.parentShardId && known.has(shard.parentShardId) && !ended.has(shard.parentShardId)) continue;
        const { records, end } = await reader.read(
          shard.shardId,
          { after: readFrom[shard.shardId], startingPosition: 'TRIM_HORIZON' },
          10_000,
          signal,
        );
        if (records.length > 0) {
          engine.put(
            records.map((record): SourceRecord => {
              const parts = source.parts(record);
              return {
                data: Buffer.from(parts.data),
                arrivedAt: parts.arrivedAt,
                kinesis: {
                  shardId: shard.shardId,
                  partitionKey: parts.partitionKey,
                  sequenceNumber: parts.sequenceNumber,
                  subsequenceNumber: 0,
                  approximateArrivalTimestamp: parts.arrivedAt,
                },
              };
            }),
          );
          readFrom[shard.shardId] = reader.sequenceNumber(records.at(-1));
          read += records.length;
        }
        if (end) ended.add(shard.shardId);
      }
      failing = false;
    } catch (error) {
      if (signal.aborted) break;
      if (!failing)
        log(
          `Firehose ${engine.config.name}: reading ${reader.streamArn} failed (${(error as Error).message}); retrying`,
        );
      failing = true;
      await sleep(1000);
      continue;
    }
    status.busy = read > 0;
    if (read === 0) await sleep(pollIntervalMs);
  }
  status.busy = false;
}

export interface FirehoseServiceOptions {
  /** Required when a delivery stream reads a Kinesis stream: the Kinesis module's reader. */
  kinesisSource?: KinesisSourceFactory;
  timing?: Partial<FirehoseTiming>;
}

function timingFrom(options: FirehoseServiceOptions): FirehoseTiming {
  const fromEnv = Number(process.env.SHELF_FIREHOSE_TIME_SCALE);
  return {
    scale: Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : defaultDeliveryTiming.scale,
    retryDelayMs: defaultDeliveryTiming.retryDelayMs,
    pollIntervalMs: 200,
    stopTimeoutMs: 8000,
    ...options.timing,
  };
}

export function createFirehoseService(options: FirehoseServiceOptions = {}): LocalService<FirehoseStarted, 'firehose'> {
  const timing = timingFrom(options);
  return {
    name: 'firehose' as const,
    defaultPort: 4573,

    async start(context) {
      const streams = new Map<string, ParsedDeliveryStream>();
      const api = await startFirehoseApi(streams, context.port);
      context.supervisor.add('Firehose (local)', () => api.stop());
      return {
        endpoint: api.endpoint,
        functionEnv: { AWS_ENDPOINT_URL_FIREHOSE: api.endpoint },
        streams,
        dataDir: context.dataDir,
      };
    },

    resourceTypes: ['AWS::KinesisFirehose::DeliveryStream'],

    // A transformation function is named by its delivery stream, not by an event of its own:
    // Firehose's sample event, from the first delivery stream that uses it.
    sampleEvent({ declared, config, functionKey, intrinsics, region, fixture }) {
      if (declared) return undefined;
      for (const [logicalId, resource] of Object.entries(config.resources.Resources)) {
        if (resource.Type !== 'AWS::KinesisFirehose::DeliveryStream') continue;
        const parsed = deliveryStreamConfig(logicalId, resource, { config, intrinsics, region });
        if (parsed.config.processor?.functionKey !== functionKey) continue;
        const event = fixture('kinesis-firehose-event.json') as Record<string, unknown>;
        return {
          ...event,
          deliveryStreamArn: parsed.config.arn,
          ...(parsed.config.sourceStreamArn ? { sourceKinesisStreamArn: parsed.config.sourceStreamArn } : {}),
          region,
        };
      }
      return undefined;
    },

    createResources(declared: [logicalId: string, resource: CfnResource][], context) {
      const created = new Map<string, LocalResource>();
      for (const [logicalId, resource] of declared) {
        const parsed = deliveryStreamConfig(logicalId, resource, context);
        context.started.streams.set(parsed.config.name, parsed);
        created.set(logicalId, { type: resource.Type, ref: parsed.config.name, arn: parsed.config.arn });
      }
      return Promise.resolve(created);
    },

    async startTriggers(context) {
      const { started, region } = context;
      const s3 = new S3Client({
        region,
        endpoint: context.endpoints.s3,
        credentials: context.credentials,
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      const stopping = new AbortController();
      // Invocations still running when stop() gives up waiting.
      const abandon = new AbortController();
      const engines: DeliveryStream[] = [];
      const pumps: { done: Promise<void>; status: { busy: boolean }; close: () => Promise<void> }[] = [];
      const sources: string[] = [];
      for (const parsed of started.streams.values()) {
        const { config } = parsed;
        const checkpoints = checkpointStore(join(started.dataDir, 'checkpoints'), config.name);
        const engine = new DeliveryStream(config, {
          region,
          s3,
          invoke: (key, event) => context.invoke(key, event, abandon.signal),
          timing,
          log: (line) => context.log(line),
          ...(config.sourceStreamArn ? { checkpoint: (positions) => checkpoints.save(positions) } : {}),
        });
        engines.push(engine);
        parsed.engine = engine;
        const through = config.processor ? ` → ${config.processor.functionKey}` : '';
        if (config.sourceStreamArn) {
          if (!options.kinesisSource)
            throw new Error(
              `${parsed.logicalId} reads ${config.sourceStreamArn}, but the firehose service was given no Kinesis reader (createFirehoseService({ kinesisSource }))`,
            );
          const source = await options.kinesisSource(config.sourceStreamArn, context);
          const status = { busy: false };
          const done = pumpKinesis({
            engine,
            source,
            checkpoints,
            signal: stopping.signal,
            pollIntervalMs: timing.pollIntervalMs,
            status,
            log: (line) => context.log(line),
          });
          pumps.push({ done, status, close: () => source.reader.close?.() ?? Promise.resolve() });
          sources.push(
            `Kinesis ${config.sourceStreamArn.split('/').at(-1)} → Firehose ${parsed.logicalId}${through} → S3 ${config.bucket}`,
          );
        } else sources.push(`Firehose ${parsed.logicalId} (PutRecord)${through} → S3 ${config.bucket}`);
      }
      return {
        sources,
        async idle() {
          // Twice in a row, a poll apart: a record handed from a reader to its engine is in neither for an instant.
          let quiet = 0;
          while (quiet < 2 && !stopping.signal.aborted) {
            const busy = pumps.some((pump) => pump.status.busy) || engines.some((engine) => !engine.idle);
            quiet = busy ? 0 : quiet + 1;
            await delay(timing.pollIntervalMs + 20);
          }
        },
        async stop() {
          if (stopping.signal.aborted) return;
          stopping.abort();
          await Promise.allSettled(pumps.map((pump) => pump.done));
          await settledWithin(
            engines.map((engine) => engine.stop()),
            timing.stopTimeoutMs,
          );
          abandon.abort();
          await Promise.allSettled(pumps.map((pump) => pump.close()));
          s3.destroy();
        },
      };
    },
  };
}

/**
 * The service with no Kinesis reader: enough for DirectPut delivery streams. services.ts lists
 * `createFirehoseService({ kinesisSource })` with the Kinesis module's reader instead.
 */
export const firehoseService: LocalService<FirehoseStarted, 'firehose'> = createFirehoseService();
