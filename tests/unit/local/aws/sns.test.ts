// SNS on the local platform (infra/local/aws/sns/): the real @aws-sdk/client-sns against the emulator
// on a free port; the module creating the stack's topics and subscriptions and delivering to a fake
// Invoke API (lambda subscribers) and recorded destinations (sqs subscribers).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishBatchCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { startSnsEmulator, type SnsEmulator } from '../../../../infra/local/aws/sns/sns-emulator';
import { sns, startSnsTriggers, type StartedSns } from '../../../../infra/local/aws/sns/service';
import type { TriggerContext } from '../../../../infra/local/aws/local-service';
import { Destinations } from '../../../../infra/local/lambda/destinations';
import type { Invocation } from '../../../../infra/local/lambda/invoke';
import { localIntrinsics, type LocalResource } from '../../../../infra/local/local-resources';
import type { CfnResource, FunctionConfig, ServiceConfig } from '../../../../infra/service-config';
import { recordingDestinations, type Delivered } from '../lambda/recording-destinations';

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const queueArn = 'arn:aws:sqs:us-east-1:000000000000:shelf-local-order-audit';

let emulator: SnsEmulator;
let client: SNSClient;

beforeAll(async () => {
  emulator = await startSnsEmulator({ port: 0, region, log: () => undefined });
  client = new SNSClient({ endpoint: emulator.url, region, credentials });
});

afterAll(async () => {
  client.destroy();
  await emulator.stop();
});

const topic = async (name: string) => (await client.send(new CreateTopicCommand({ Name: name }))).TopicArn!;

function serviceConfig(
  functions: Record<string, Partial<FunctionConfig>>,
  resources: Record<string, CfnResource> = {},
): ServiceConfig {
  return {
    service: 'shelf',
    provider: { region, stage: 'local' },
    functions: Object.fromEntries(
      Object.entries(functions).map(([key, fn]) => [key, { handler: `x.${key}`, name: `shelf-local-${key}`, ...fn }]),
    ),
    resources: { Resources: resources },
  };
}

/** The module's triggers on `config`, with resources created as `npm start` creates them. */
async function running(config: ServiceConfig) {
  const queue: [string, LocalResource] = [
    'OrderAuditQueue',
    { type: 'AWS::SQS::Queue', ref: 'http://q/audit', arn: queueArn },
  ];
  const started: StartedSns = { endpoint: emulator.url, emulator, region: { name: region } };
  const intrinsics = localIntrinsics(config, new Map([queue]));
  const created = await sns.createResources!(
    Object.entries(config.resources.Resources).filter(([, r]) => sns.resourceTypes!.includes(r.Type)),
    { config, region, started, intrinsics, credentials, webOrigins: [], endpoints: {} },
  );
  const resources = new Map([queue, ...created]);
  const invoked: { functionKey: string; event: unknown }[] = [];
  const delivered: Delivered[] = [];
  const destinations: Destinations = recordingDestinations(delivered);
  const context: TriggerContext<StartedSns> = {
    config,
    region,
    started,
    resources,
    intrinsics: localIntrinsics(config, resources),
    endpoints: {},
    credentials,
    destinations,
    functionOutput: () => () => undefined,
    dataDir: '/nonexistent',
    log: () => undefined,
    invoke: (functionKey, event): Promise<Invocation> => {
      invoked.push({ functionKey, event });
      return Promise.resolve({ status: 200, payload: null });
    },
  };
  const triggers = startSnsTriggers(context);
  return { triggers, invoked, delivered, resources, destinations };
}

describe('local SNS emulator', () => {
  it('creates topics idempotently and keeps what e-mail subscribers receive', async () => {
    const arn = await topic('ops-alerts-1');
    expect(await topic('ops-alerts-1')).toBe(arn);
    expect(arn).toBe('arn:aws:sns:us-east-1:000000000000:ops-alerts-1');
    await client.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'email', Endpoint: 'ops@example.com' }));

    const { MessageId } = await client.send(
      new PublishCommand({ TopicArn: arn, Subject: 'Stock low: TEA-1', Message: 'TEA-1 has 2 left' }),
    );

    const mail = (await (await fetch(`${emulator.url}/mail`)).json()) as Record<string, unknown>[];
    expect(mail.filter((m) => m.topicArn === arn)).toEqual([
      expect.objectContaining({
        to: 'ops@example.com',
        subject: 'Stock low: TEA-1',
        body: 'TEA-1 has 2 left',
        messageId: MessageId,
      }),
    ]);
  });

  it('applies filter policies on message attributes, and on the body with MessageBody scope', async () => {
    const arn = await topic('ops-alerts-2');
    const { SubscriptionArn: kitchen } = await client.send(
      new SubscribeCommand({
        TopicArn: arn,
        Protocol: 'email',
        Endpoint: 'kitchen@example.com',
        Attributes: { FilterPolicy: JSON.stringify({ category: ['kitchen'], stock: [{ numeric: ['<', 5] }] }) },
      }),
    );
    await client.send(
      new SubscribeCommand({
        TopicArn: arn,
        Protocol: 'email-json',
        Endpoint: 'body@example.com',
        Attributes: {
          FilterPolicy: JSON.stringify({ alert: { kind: ['StockLow'] } }),
          FilterPolicyScope: 'MessageBody',
        },
      }),
    );
    const publish = (category: string, stock: number) =>
      client.send(
        new PublishCommand({
          TopicArn: arn,
          Message: JSON.stringify({ alert: { kind: 'StockLow', category } }),
          MessageAttributes: {
            category: { DataType: 'String', StringValue: category },
            stock: { DataType: 'Number', StringValue: String(stock) },
          },
        }),
      );

    await publish('kitchen', 2);
    await publish('kitchen', 9);
    await publish('garden', 1);

    const mail = emulator.mail().filter((m) => m.topicArn === arn);
    expect(mail.filter((m) => m.to === 'kitchen@example.com')).toHaveLength(1);
    expect(mail.filter((m) => m.to === 'body@example.com')).toHaveLength(3);
    const envelope = JSON.parse(mail.find((m) => m.to === 'body@example.com')!.body) as Record<string, unknown>;
    expect(envelope).toMatchObject({
      Type: 'Notification',
      TopicArn: arn,
      MessageAttributes: { category: { Type: 'String', Value: 'kitchen' }, stock: { Type: 'Number', Value: '2' } },
    });
    const { Attributes } = await client.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: kitchen }));
    expect(Attributes).toMatchObject({ Protocol: 'email', PendingConfirmation: 'false' });
  });

  it('refuses what SNS refuses, with its error codes', async () => {
    const arn = await topic('ops-alerts-3');
    await expect(client.send(new PublishCommand({ TopicArn: `${arn}-missing`, Message: 'x' }))).rejects.toMatchObject({
      name: 'NotFoundException',
    });
    await expect(client.send(new PublishCommand({ TopicArn: arn, Message: '' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(
      client.send(new PublishCommand({ TopicArn: arn, Message: 'x'.repeat(256 * 1024 + 1) })),
    ).rejects.toThrow(/Message too long/);
    await expect(
      client.send(new PublishCommand({ TopicArn: arn, Message: 'x', MessageStructure: 'json' })),
    ).rejects.toThrow(/JSON message body failed to parse/);
    await expect(
      client.send(
        new PublishCommand({
          TopicArn: arn,
          Message: 'x',
          MessageAttributes: { n: { DataType: 'Number', StringValue: 'many' } },
        }),
      ),
    ).rejects.toThrow(/cast message attribute 'n' value to number/);
    await expect(
      client.send(
        new SubscribeCommand({
          TopicArn: arn,
          Protocol: 'email',
          Endpoint: 'a@example.com',
          Attributes: { FilterPolicy: '{"category": "kitchen"}' },
        }),
      ),
    ).rejects.toThrow(/FilterPolicy: policy at category: a pattern field is an object or an array/);
    await expect(
      client.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'http', Endpoint: 'http://example.com' })),
    ).rejects.toThrow(/http is not delivered by the local SNS/);
    await expect(client.send(new CreateTopicCommand({ Name: 'orders.fifo' }))).rejects.toThrow(/FIFO/);
  });

  it('publishes batches, failing only the bad entries', async () => {
    const arn = await topic('ops-alerts-4');
    await client.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'email', Endpoint: 'b@example.com' }));

    const result = await client.send(
      new PublishBatchCommand({
        TopicArn: arn,
        PublishBatchRequestEntries: [
          { Id: 'one', Message: 'first' },
          { Id: 'two', Message: 'second', Subject: 'line\nbreak' },
          // SNS wants fewer than 100 characters.
          { Id: 'three', Message: 'third', Subject: 'x'.repeat(100) },
          { Id: 'four', Message: 'fourth', Subject: 'x'.repeat(99) },
        ],
      }),
    );

    expect(result.Successful?.map((s) => s.Id)).toEqual(['one', 'four']);
    expect(result.Failed).toEqual([
      expect.objectContaining({ Id: 'two', Code: 'InvalidParameter', SenderFault: true }),
      expect.objectContaining({ Id: 'three', Code: 'InvalidParameter', SenderFault: true }),
    ]);
    expect(
      emulator
        .mail()
        .filter((m) => m.topicArn === arn)
        .map((m) => m.body),
    ).toEqual(['first', 'fourth']);
  });
});

describe('local SNS module', () => {
  const config = serviceConfig(
    {
      sendOrderConfirmation: {
        events: [{ sns: { arn: { Ref: 'OrderNotificationsTopic' }, filterPolicy: { kind: ['OrderPlaced'] } } }],
      },
    },
    {
      OrderNotificationsTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: { TopicName: 'shelf-local-order-notifications' },
      },
      OrderAuditSubscription: {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          TopicArn: { Ref: 'OrderNotificationsTopic' },
          Protocol: 'sqs',
          Endpoint: { 'Fn::GetAtt': ['OrderAuditQueue', 'Arn'] },
          RawMessageDelivery: true,
        },
      },
    },
  );

  it("creates the stack's topics and subscriptions, its functions' `sns` events included", async () => {
    const { triggers, resources } = await running(config);
    await triggers.stop();
    const topicArn = resources.get('OrderNotificationsTopic')!.arn!;

    const { Subscriptions } = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));

    expect(topicArn).toBe('arn:aws:sns:us-east-1:000000000000:shelf-local-order-notifications');
    expect(Subscriptions?.map((s) => [s.Protocol, s.Endpoint]).sort()).toEqual([
      ['lambda', 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-sendOrderConfirmation'],
      ['sqs', queueArn],
    ]);
    expect(triggers.sources).toEqual(['SNS shelf-local-order-notifications → sendOrderConfirmation']);
  });

  it('invokes a subscribed function with the event SNS sends, and sends raw messages to a queue', async () => {
    const { triggers, invoked, delivered, resources } = await running(config);
    const topicArn = resources.get('OrderNotificationsTopic')!.arn!;
    try {
      await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: 'Order placed',
          Message: '{"orderId":"o-1"}',
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'OrderPlaced' } },
        }),
      );
      // The function's filter policy passes over this one; the queue takes everything.
      await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: '{"orderId":"o-2"}',
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'OrderShipped' } },
        }),
      );
      await triggers.idle();
    } finally {
      await triggers.stop();
    }

    const sample = JSON.parse(readFileSync(join(__dirname, '../../../fixtures/events/sns-event.json'), 'utf8')) as {
      Records: { Sns: Record<string, unknown> }[];
    };
    expect(invoked).toHaveLength(1);
    const event = invoked[0]!.event as typeof sample;
    expect(Object.keys(event.Records[0]!).sort()).toEqual(Object.keys(sample.Records[0]!).sort());
    expect(Object.keys(event.Records[0]!.Sns).sort()).toEqual(Object.keys(sample.Records[0]!.Sns).sort());
    expect(event.Records[0]).toMatchObject({
      EventSource: 'aws:sns',
      Sns: {
        TopicArn: topicArn,
        Subject: 'Order placed',
        Message: '{"orderId":"o-1"}',
        MessageAttributes: { kind: { Type: 'String', Value: 'OrderPlaced' } },
      },
    });
    expect(delivered.map((d) => [d.arn, d.message.body])).toEqual([
      [queueArn, '{"orderId":"o-1"}'],
      [queueArn, '{"orderId":"o-2"}'],
    ]);
  });

  it('gives other triggers `sns` destinations: a record sent to a topic is published on it', async () => {
    const { triggers, destinations, resources } = await running(config);
    const topicArn = resources.get('OrderNotificationsTopic')!.arn!;
    await client.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'ops@example.com' }));
    const { SubscriptionArn } = await client.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'ops@example.com' }),
    );
    await client.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: JSON.stringify({ ErrorCode: [{ exists: true }] }),
      }),
    );
    try {
      await destinations.deliver(topicArn, { body: '{"failed":"event"}', attributes: { ErrorCode: 200 } });
    } finally {
      await triggers.stop();
    }
    expect(emulator.mail().filter((m) => m.topicArn === topicArn && m.to === 'ops@example.com')).toEqual([
      expect.objectContaining({ body: '{"failed":"event"}' }),
    ]);
  });
});
