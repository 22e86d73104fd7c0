/**
 * SQS on the local platform: local-aws-sqs (visibility timeouts, receive counts, redrive to
 * dead-letter queues), the queues of serverless.yml (queues.ts), the functions' `sqs` event source
 * mappings (sqs-mappings.ts, on the poller core), and delivery to SQS destinations for every
 * trigger that sends records (asynchronous invocations, stream mappings).
 */
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startQueuePoller, type PollerTiming, type RunningPoller } from '../../lambda/event-source-poller';
import type { RunningTriggers, StartedService, TriggerContext, LocalService } from '../local-service';
import { assertPortFree, closeServer } from '../../supervisor';
import { createQueues } from './queues';
import { sqsMappings, sqsQueueSource } from './sqs-mappings';

export interface SqsStarted extends StartedService {
  endpoint: string;
}

export interface SqsTiming extends Pick<PollerTiming, 'pollIntervalMs' | 'stopTimeoutMs'> {
  /** How soon a record the function failed on comes back (see sqsQueueSource). Default 3. */
  failedRecordRetrySeconds?: number;
}

/** SQS destinations for every trigger, then a poller for every enabled `sqs` event. */
export async function startSqsTriggers(
  context: TriggerContext<SqsStarted>,
  timing: SqsTiming = {},
): Promise<RunningTriggers> {
  const { config, resources, intrinsics, region } = context;
  const client = () => new SQSClient({ region, endpoint: context.started.endpoint, credentials: context.credentials });
  const queueByArn = (arn: string) => [...resources].find(([, r]) => r.type === 'AWS::SQS::Queue' && r.arn === arn);
  // Its own client: other services' triggers send records until they have all stopped.
  const delivering = client();
  context.destinations.register('sqs', {
    async deliver(arn, message) {
      const queue = queueByArn(arn);
      if (!queue) throw new Error(`no local queue has the ARN ${arn}`);
      const attributes = Object.entries(message.attributes ?? {});
      await delivering.send(
        new SendMessageCommand({
          QueueUrl: queue[1].ref,
          MessageBody: message.body,
          ...(attributes.length
            ? {
                MessageAttributes: Object.fromEntries(
                  attributes.map(([name, value]) => [
                    name,
                    { DataType: typeof value === 'number' ? 'Number' : 'String', StringValue: String(value) },
                  ]),
                ),
              }
            : {}),
        }),
      );
    },
    describe: (arn) => queueByArn(arn)?.[0],
    close: () => delivering.destroy(),
  });

  const sqs = client();
  const mappings = sqsMappings(config, resources, intrinsics);
  const enabled = mappings.filter((m) => m.enabled);
  // A queue that is not there fails the start, not every poll.
  for (const mapping of enabled) {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: mapping.queueUrl, AttributeNames: ['QueueArn'] }),
    );
    if (Attributes?.QueueArn && Attributes.QueueArn !== mapping.queueArn) {
      throw new Error(`${mapping.queueUrl} is ${Attributes.QueueArn}, not ${mapping.queueArn}`);
    }
  }
  const pollers: RunningPoller[] = enabled.map((mapping) =>
    startQueuePoller({
      mapping,
      source: sqsQueueSource(sqs, mapping, region, {
        failedRecordRetrySeconds: timing.failedRecordRetrySeconds ?? 3,
        log: context.log,
      }),
      invoke: context.invoke,
      log: context.log,
      timing,
    }),
  );
  return {
    sources: mappings.map((m) => `SQS ${m.queueId} → ${m.functionKey}${m.enabled ? '' : ' (disabled)'}`),
    async idle() {
      await Promise.all(pollers.map((p) => p.idle()));
    },
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
      sqs.destroy();
    },
  };
}

export const sqs: LocalService<SqsStarted, 'sqs'> = {
  name: 'sqs',
  defaultPort: 9324,
  async start({ port, supervisor, log }) {
    await assertPortFree('SQS (local-aws-sqs)', port);
    const { createSqsServer } = await import('local-aws-sqs');
    const server = await createSqsServer({ port, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
    supervisor.add('SQS (local-aws-sqs)', () => closeServer(server));
    const endpoint = `http://127.0.0.1:${port}`;
    log(`SQS (local-aws-sqs) on ${endpoint}`);
    return { endpoint, functionEnv: { AWS_ENDPOINT_URL_SQS: endpoint } };
  },
  resourceTypes: ['AWS::SQS::Queue'],
  createResources: createQueues,
  startTriggers: (context) => startSqsTriggers(context),
  sampleEvent({ declared, resources, intrinsics, region, fixture }) {
    if (!declared || !('sqs' in declared)) return undefined;
    const source = declared.sqs as { arn?: unknown } | string;
    const arn = String(intrinsics.resolve(typeof source === 'string' ? source : source.arn));
    const queue = [...resources.values()].find((r) => r.arn === arn);
    const sample = fixture('sqs-event.json') as { Records: Record<string, unknown>[] };
    for (const record of sample.Records)
      Object.assign(record, { eventSourceARN: queue?.arn ?? arn, awsRegion: region });
    return sample;
  },
};
