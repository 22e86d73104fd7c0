/**
 * Kinesis on the local platform: kinesalite (kinesis-emulator.ts), the AWS::Kinesis::Stream
 * resources of serverless.yml created on it, and the functions' SDK pointed at it
 * (AWS_ENDPOINT_URL_KINESIS). The stream poller reads it through KinesisStreamReader and builds
 * Lambda's events with kinesisEventFormat.
 */
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ResourceInUseException,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { LocalResource } from '../../local-resources';
import type { LocalService, ResourceContext, StartedService } from '../local-service';
import { startStreamPollers } from '../../lambda/stream-mappings';
import { startKinesis } from './kinesis-emulator';
import { kinesisEventFormat } from './stream-format';
import { KinesisStreamReader } from './stream-reader';

export interface KinesisStarted extends StartedService {
  endpoint: string;
}

/** How long a new stream may stay CREATING before the start-up gives up. */
const activeTimeoutMs = 10_000;

/** A Kinesis client for the local emulator: HTTP/1.1, which kinesalite speaks (the default is HTTP/2). */
export function localKinesisClient(
  endpoint: string,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): KinesisClient {
  return new KinesisClient({ endpoint, region, credentials, requestHandler: new NodeHttpHandler() });
}

/** CloudFormation's stream properties as CreateStream's: on-demand becomes one shard locally. */
export function createStreamInput(logicalId: string, props: Record<string, unknown>, defaultName: string) {
  const mode = (props.StreamModeDetails as { StreamMode?: string } | undefined)?.StreamMode ?? 'PROVISIONED';
  // kinesalite has no on-demand mode; on AWS an on-demand stream starts with 4 shards and scales.
  // One shard keeps the local order of records simple; a declared count is kept as it is.
  const shardCount = mode === 'ON_DEMAND' ? 1 : Number(props.ShardCount ?? 1);
  if (!Number.isInteger(shardCount) || shardCount < 1) {
    throw new Error(`${logicalId}: ShardCount must be a whole number of at least 1, not ${String(props.ShardCount)}`);
  }
  return { StreamName: (props.Name as string | undefined) ?? defaultName, ShardCount: shardCount };
}

async function waitActive(client: KinesisClient, streamName: string): Promise<string> {
  const deadline = Date.now() + activeTimeoutMs;
  for (;;) {
    const { StreamDescriptionSummary: summary } = await client.send(
      new DescribeStreamSummaryCommand({ StreamName: streamName }),
    );
    if (summary?.StreamStatus === 'ACTIVE' || summary?.StreamStatus === 'UPDATING') return summary.StreamARN!;
    if (Date.now() > deadline) {
      throw new Error(`Kinesis stream ${streamName} is still ${summary?.StreamStatus} after ${activeTimeoutMs} ms`);
    }
    await delay(50);
  }
}

/** Creates each declared stream (a stream kept from an earlier start stays as it is). */
export async function createStreams(
  declared: [logicalId: string, resource: { Type: string; Properties?: Record<string, unknown> }][],
  context: ResourceContext<KinesisStarted>,
): Promise<Map<string, LocalResource>> {
  const client = localKinesisClient(context.started.endpoint, context.region, context.credentials);
  // What CloudFormation would name a stream without a Name (the local stack's service and stage).
  const { service, provider } = context.config as { service: string; provider: { stage: string } };
  const created = new Map<string, LocalResource>();
  try {
    for (const [logicalId, resource] of declared) {
      const props = context.intrinsics.resolve(resource.Properties ?? {}) as Record<string, unknown>;
      const input = createStreamInput(logicalId, props, `${service}-${provider.stage}-${logicalId}`);
      try {
        await client.send(new CreateStreamCommand(input));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      // The ARN as the emulator reports it: `arn:aws:kinesis:<region>:000000000000:stream/<name>`.
      const arn = await waitActive(client, input.StreamName);
      created.set(logicalId, { type: resource.Type, ref: input.StreamName, arn });
    }
  } finally {
    client.destroy();
  }
  return created;
}

/** A reader of the stream with this ARN, for the stream poller (one per event source mapping). */
export function kinesisReader(
  started: KinesisStarted,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  streamArn: string,
): KinesisStreamReader {
  const streamName = streamArn.split(':stream/')[1];
  if (!streamName) throw new Error(`Not a Kinesis stream ARN: ${streamArn}`);
  return new KinesisStreamReader(
    localKinesisClient(started.endpoint, region, credentials),
    streamName,
    streamArn,
    true,
  );
}

export const kinesisService: LocalService<KinesisStarted, 'kinesis'> = {
  name: 'kinesis',
  defaultPort: 4568,
  async start(context) {
    const { port, dataDir, supervisor } = context;
    // The streams are kept in the stack's data folder, like DynamoDB Local's tables: a restart
    // keeps what was put and not yet read.
    const kinesis = await startKinesis({ port, path: join(dataDir, 'streams') });
    supervisor.add('Kinesis (kinesalite)', () => kinesis.stop());
    context.log(`Kinesis (kinesalite) on ${kinesis.endpoint}`);
    return { endpoint: kinesis.endpoint, functionEnv: { AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint } };
  },
  resourceTypes: ['AWS::Kinesis::Stream'],
  createResources: createStreams,
  // Streams → the functions' `stream: { type: kinesis }` events, on the one stream poller.
  startTriggers(context) {
    const { started, region, credentials } = context;
    return Promise.resolve(
      startStreamPollers(context, {
        type: 'kinesis',
        label: 'Kinesis',
        reader: (streamArn) => kinesisReader(started, region, credentials, streamArn),
        format: kinesisEventFormat,
      }),
    );
  },
};
