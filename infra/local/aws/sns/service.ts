/**
 * SNS on the local platform (a LocalService, ../local-service.ts): the small emulator of
 * sns-emulator.ts on its port; the stack's AWS::SNS::Topic and AWS::SNS::Subscription resources and
 * the functions' `sns` events created on it through the SDK; deliveries to `lambda` subscribers as
 * SNS makes them, an asynchronous invocation with SNS's event (the async-invoke core: the
 * function's retries and destinations), and to `sqs` subscribers through the destinations (SNS's
 * JSON envelope, or the message itself with RawMessageDelivery). It registers `sns` destinations,
 * so an on-failure destination, a dead-letter topic or an EventBridge rule can publish to a topic.
 * .local/stack.json gets `snsMail`: the e-mail the topics' e-mail subscribers received (JSON).
 */
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { ServiceConfig } from '../../../service-config';
import { startAsyncInvocations, type AsyncTiming } from '../../lambda/async-invoke';
import { functionArn, referencedFunctionKey } from '../../lambda/invoke';
import { localAccountId, type Intrinsics, type LocalResource } from '../../local-resources';
import type { LocalService, RunningTriggers, StartedService, TriggerContext } from '../local-service';
import {
  messageFor,
  snsEnvelope,
  startSnsEmulator,
  type PublishedMessage,
  type SnsEmulator,
  type Subscription,
} from './sns-emulator';

export interface StartedSns extends StartedService {
  endpoint: string;
  emulator: SnsEmulator;
  region: { name: string };
}

/** A function's `sns` event, as osls reads it: a topic name or ARN, or `{ arn | topicName, filterPolicy, ... }`. */
interface SnsEventObject {
  arn?: unknown;
  topicName?: string;
  displayName?: string;
  filterPolicy?: unknown;
  filterPolicyScope?: string;
  redrivePolicy?: unknown;
}

/** Where a function's `sns` event subscribes it: an existing topic's ARN, or the name of a topic osls creates. */
export function functionSubscriptions(config: ServiceConfig, intrinsics: Intrinsics) {
  const found: { functionKey: string; topicArn?: string; topicName?: string; attributes: Record<string, string> }[] =
    [];
  for (const [functionKey, fn] of Object.entries(config.functions)) {
    for (const event of (fn.events ?? []) as Record<string, unknown>[]) {
      if (!('sns' in event)) continue;
      const declared: SnsEventObject =
        typeof event.sns === 'string'
          ? event.sns.startsWith('arn:')
            ? { arn: event.sns }
            : { topicName: event.sns }
          : (event.sns as SnsEventObject);
      const topicArn = declared.arn === undefined ? undefined : String(intrinsics.resolve(declared.arn));
      const attributes: Record<string, string> = {};
      if (declared.filterPolicy !== undefined) attributes.FilterPolicy = JSON.stringify(declared.filterPolicy);
      if (declared.filterPolicyScope !== undefined) attributes.FilterPolicyScope = declared.filterPolicyScope;
      found.push({
        functionKey,
        ...(topicArn ? { topicArn } : {}),
        ...(declared.topicName ? { topicName: declared.topicName } : {}),
        attributes,
      });
    }
  }
  return found;
}

/** The event SNS invokes a function with: one record per message. */
export function snsLambdaEvent(message: PublishedMessage, subscription: Subscription, region: string) {
  const envelope = snsEnvelope(message, subscription, region);
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: subscription.arn,
        Sns: {
          Type: envelope.Type,
          MessageId: envelope.MessageId,
          TopicArn: envelope.TopicArn,
          // Lambda's record has Subject null when there is none, and these two spelt its own way.
          Subject: message.subject ?? null,
          Message: messageFor(message, 'lambda'),
          Timestamp: envelope.Timestamp,
          SignatureVersion: envelope.SignatureVersion,
          Signature: envelope.Signature,
          SigningCertUrl: envelope.SigningCertURL,
          UnsubscribeUrl: envelope.UnsubscribeURL,
          MessageAttributes: envelope.MessageAttributes ?? {},
        },
      },
    ],
  };
}

export function startSnsTriggers(context: TriggerContext<StartedSns>, timing: AsyncTiming = {}): RunningTriggers {
  const { config, region, started } = context;
  const invocations = startAsyncInvocations({ ...context, timing });
  const pending = new Set<Promise<unknown>>();
  const publisher = new SNSClient({ endpoint: started.endpoint, region, credentials: context.credentials });
  context.destinations.register('sns', {
    async deliver(arn, message) {
      const attributes = Object.entries(message.attributes ?? {});
      await publisher.send(
        new PublishCommand({
          TopicArn: arn,
          Message: message.body,
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
    describe: (arn) => arn.split(':').at(-1),
    close: () => publisher.destroy(),
  });

  const stopListening = started.emulator.onDelivery((subscription, message) => {
    const topic = subscription.topicArn.split(':').at(-1);
    let task: Promise<unknown>;
    if (subscription.protocol === 'lambda') {
      const functionKey = referencedFunctionKey(subscription.endpoint, config);
      if (!functionKey) {
        context.log(`SNS ${topic}: ${subscription.endpoint} is not a function of this stack; not delivered`);
        return;
      }
      task = invocations.invoke(
        functionKey,
        snsLambdaEvent(message, subscription, region),
        `SNS ${topic} → ${functionKey}${message.subject ? `: ${message.subject}` : ''}`,
      );
    } else {
      const raw = subscription.attributes.RawMessageDelivery === 'true';
      const body = raw ? messageFor(message, 'sqs') : JSON.stringify(snsEnvelope(message, subscription, region));
      task = context.destinations.deliver(subscription.endpoint, { body }).then(
        () => context.log(`SNS ${topic} → ${context.destinations.describe(subscription.endpoint)}`),
        (error: Error) => context.log(`SNS ${topic} → ${subscription.endpoint}: not delivered (${error.message})`),
      );
    }
    pending.add(task);
    void task.finally(() => pending.delete(task));
  });

  return {
    sources: functionSubscriptions(config, context.intrinsics).map(
      (s) => `SNS ${s.topicName ?? s.topicArn?.split(':').at(-1)} → ${s.functionKey}`,
    ),
    async idle() {
      while (pending.size) await Promise.allSettled([...pending]);
      await invocations.idle();
    },
    async stop() {
      stopListening();
      await invocations.stop();
      await Promise.allSettled([...pending]);
    },
  };
}

interface TopicProperties {
  TopicName?: string;
  DisplayName?: string;
  FifoTopic?: boolean | string;
  Subscription?: { Endpoint: unknown; Protocol: string }[];
}

interface SubscriptionProperties {
  TopicArn: unknown;
  Protocol: string;
  Endpoint: unknown;
  FilterPolicy?: unknown;
  FilterPolicyScope?: string;
  RawMessageDelivery?: boolean | string;
  RedrivePolicy?: unknown;
}

const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

export const sns: LocalService<StartedSns, 'sns'> = {
  name: 'sns',
  defaultPort: 4575,

  async start(context) {
    const region = { name: 'us-east-1' };
    const emulator = await startSnsEmulator({ port: context.port, region: () => region.name, log: context.log });
    context.supervisor.add('SNS (local)', () => emulator.stop());
    context.log(`SNS (local) on ${emulator.url}`);
    return {
      endpoint: emulator.url,
      functionEnv: { AWS_ENDPOINT_URL_SNS: emulator.url },
      stackInfo: { snsMail: `${emulator.url}/mail` },
      emulator,
      region,
    };
  },

  resourceTypes: ['AWS::SNS::Topic', 'AWS::SNS::Subscription'],

  async createResources(declared, { config, started, region, credentials, intrinsics }) {
    started.region.name = region;
    const client = new SNSClient({ endpoint: started.endpoint, region, credentials });
    const created = new Map<string, LocalResource>();
    const stack = `${config.service}-${config.provider.stage}`;
    const subscribe = async (
      topicArn: string,
      protocol: string,
      endpoint: string,
      attributes: Record<string, string> = {},
    ) => {
      const { SubscriptionArn } = await client.send(
        new SubscribeCommand({ TopicArn: topicArn, Protocol: protocol, Endpoint: endpoint, Attributes: attributes }),
      );
      return SubscriptionArn!;
    };
    const createTopic = async (name: string, displayName?: string) =>
      (
        await client.send(
          new CreateTopicCommand({ Name: name, ...(displayName ? { Attributes: { DisplayName: displayName } } : {}) }),
        )
      ).TopicArn!;
    try {
      for (const [logicalId, resource] of declared.filter(([, r]) => r.Type === 'AWS::SNS::Topic')) {
        // Only what the local topic uses: KmsMasterKeyId names a key the local stack has no KMS for
        // (messages at rest in a local process are not encrypted).
        const { TopicName, DisplayName, Subscription } = resource.Properties ?? {};
        const properties = intrinsics.resolve({ TopicName, DisplayName, Subscription }) as TopicProperties;
        // CloudFormation names an unnamed topic <stack>-<logical id>-<random>; locally without the random part.
        const name = properties.TopicName ?? `${stack}-${logicalId}`;
        const arn = await createTopic(name, properties.DisplayName);
        // Ref gives a topic's ARN; GetAtt TopicName its name.
        created.set(logicalId, { type: resource.Type, ref: arn, arn, attributes: { TopicName: name, TopicArn: arn } });
        for (const inline of properties.Subscription ?? []) {
          await subscribe(arn, inline.Protocol, String(inline.Endpoint));
        }
      }
      const all = intrinsics.with(created);
      for (const [logicalId, resource] of declared.filter(([, r]) => r.Type === 'AWS::SNS::Subscription')) {
        const raw = (resource.Properties ?? {}) as unknown as SubscriptionProperties;
        // A function endpoint is named by its GetAtt, which the local resources do not hold.
        const functionKey = referencedFunctionKey(raw.Endpoint, config);
        const properties = all.resolve({ ...raw, Endpoint: functionKey ? '' : raw.Endpoint }) as SubscriptionProperties;
        const endpoint = functionKey ? functionArn(config, functionKey) : String(properties.Endpoint);
        const attributes: Record<string, string> = {};
        if (properties.FilterPolicy !== undefined) attributes.FilterPolicy = asText(properties.FilterPolicy);
        if (properties.FilterPolicyScope !== undefined) attributes.FilterPolicyScope = properties.FilterPolicyScope;
        if (properties.RawMessageDelivery !== undefined) {
          attributes.RawMessageDelivery = String(properties.RawMessageDelivery);
        }
        const arn = await subscribe(String(properties.TopicArn), properties.Protocol, endpoint, attributes);
        created.set(logicalId, { type: resource.Type, ref: arn, arn });
      }
      // The functions' `sns` events: a topic by ARN, or one osls creates by name.
      for (const subscription of functionSubscriptions(config, all)) {
        const topicArn = subscription.topicArn ?? (await createTopic(subscription.topicName!));
        await subscribe(topicArn, 'lambda', functionArn(config, subscription.functionKey), subscription.attributes);
      }
    } finally {
      client.destroy();
    }
    return created;
  },

  startTriggers: (context) => Promise.resolve(startSnsTriggers(context)),

  sampleEvent({ declared, fixture, intrinsics, region, config, functionKey }) {
    if (!declared || !('sns' in declared)) return undefined;
    const [subscription] = functionSubscriptions(
      { ...config, functions: { [functionKey]: { ...config.functions[functionKey]!, events: [declared] } } },
      intrinsics,
    );
    const topicArn =
      subscription?.topicArn ?? `arn:aws:sns:${region}:${localAccountId}:${subscription?.topicName ?? 'topic'}`;
    const sample = fixture('sns-event.json') as {
      Records: { EventSubscriptionArn: string; Sns: Record<string, unknown> }[];
    };
    for (const record of sample.Records) {
      record.EventSubscriptionArn = `${topicArn}:local-subscription`;
      record.Sns.TopicArn = topicArn;
    }
    return sample;
  },
};
