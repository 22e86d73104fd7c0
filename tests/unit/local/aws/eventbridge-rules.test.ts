// EventBridge rules on the local platform (infra/local/aws/eventbridge/rules.ts): events put with
// the real SDK on the emulator, matched by the rules serverless.yml would declare (a function's
// `eventBridge` event, an AWS::Events::Rule resource), delivered to a fake Invoke API (Lambda
// targets, asynchronously) and to recorded destinations (an SQS target).
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  startEventBridgeEmulator,
  type EventBridgeEmulator,
} from '../../../../infra/local/aws/eventbridge/eventbridge-emulator';
import { declaredRules, startRules } from '../../../../infra/local/aws/eventbridge/rules';
import type { Invocation } from '../../../../infra/local/lambda/invoke';
import { localIntrinsics, type LocalResource } from '../../../../infra/local/local-resources';
import type { CfnResource, FunctionConfig, ServiceConfig } from '../../../../infra/service-config';
import { recordingDestinations, type Delivered } from '../lambda/recording-destinations';

const region = 'us-east-1';
const queueArn = 'arn:aws:sqs:us-east-1:000000000000:shelf-local-stock-alerts';
const busArn = 'arn:aws:events:us-east-1:000000000000:event-bus/shelf-local-domain-events';

const resources = new Map<string, LocalResource>([
  ['DomainEventBus', { type: 'AWS::Events::EventBus', ref: 'shelf-local-domain-events', arn: busArn }],
  ['StockAlertsQueue', { type: 'AWS::SQS::Queue', ref: 'http://q/stock-alerts', arn: queueArn }],
]);

function serviceConfig(
  functions: Record<string, Partial<FunctionConfig>>,
  ruleResources: Record<string, CfnResource> = {},
): ServiceConfig {
  return {
    service: 'shelf',
    provider: { region, stage: 'local' },
    functions: Object.fromEntries(
      Object.entries(functions).map(([key, fn]) => [key, { handler: `x.${key}`, name: `shelf-local-${key}`, ...fn }]),
    ),
    resources: { Resources: ruleResources },
  };
}

let emulator: EventBridgeEmulator;
let client: EventBridgeClient;

beforeAll(async () => {
  emulator = await startEventBridgeEmulator({ port: 0, region, log: () => undefined });
  client = new EventBridgeClient({
    endpoint: emulator.url,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await fetch(emulator.url, {
    method: 'POST',
    headers: { 'x-amz-target': 'AWSEvents.CreateEventBus', 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify({ Name: 'shelf-local-domain-events' }),
  });
});

afterAll(async () => {
  client.destroy();
  await emulator.stop();
});

/** Starts the rules of `config`, puts `entries` on the domain bus, waits until all is delivered. */
async function run(config: ServiceConfig, entries: { DetailType: string; Detail: unknown; Source?: string }[]) {
  const invoked: { functionKey: string; event: unknown }[] = [];
  const delivered: Delivered[] = [];
  const lines: string[] = [];
  const running = startRules({
    config,
    intrinsics: localIntrinsics(config, resources),
    destinations: recordingDestinations(delivered),
    log: (line) => lines.push(line),
    emulator,
    invoke: (functionKey, event): Promise<Invocation> => {
      invoked.push({ functionKey, event });
      return Promise.resolve({ status: 200, payload: null });
    },
  });
  try {
    const { FailedEntryCount } = await client.send(
      new PutEventsCommand({
        Entries: entries.map(({ DetailType, Detail, Source = 'shelf.orders' }) => ({
          EventBusName: 'shelf-local-domain-events',
          Source,
          DetailType,
          Detail: JSON.stringify(Detail),
        })),
      }),
    );
    expect(FailedEntryCount).toBe(0);
    await running.idle();
  } finally {
    await running.stop();
  }
  return { invoked, delivered, lines, sources: running.sources };
}

describe('local EventBridge rules', () => {
  it("invoke a function whose eventBridge event's pattern matches, with the event as EventBridge sends it", async () => {
    const config = serviceConfig({
      sendOrderConfirmation: {
        events: [
          {
            eventBridge: {
              eventBus: { 'Fn::GetAtt': ['DomainEventBus', 'Arn'] },
              pattern: { source: ['shelf.orders'], 'detail-type': ['OrderPlaced'] },
            },
          },
        ],
      },
    });

    const { invoked, sources } = await run(config, [
      { DetailType: 'OrderPlaced', Detail: { orderId: 'o-1' } },
      { DetailType: 'OrderCancelled', Detail: { orderId: 'o-2' } },
    ]);

    expect(sources).toEqual([
      'EventBridge rule sendOrderConfirmation-rule-1 (shelf-local-domain-events) → sendOrderConfirmation',
    ]);
    expect(invoked).toHaveLength(1);
    expect(invoked[0]).toMatchObject({
      functionKey: 'sendOrderConfirmation',
      event: {
        version: '0',
        source: 'shelf.orders',
        'detail-type': 'OrderPlaced',
        account: '000000000000',
        region,
        detail: { orderId: 'o-1' },
      },
    });
  });

  it("send an AWS::Events::Rule's matches to an SQS target, shaped by its InputTransformer", async () => {
    const config = serviceConfig(
      {},
      {
        StockLowRule: {
          Type: 'AWS::Events::Rule',
          Properties: {
            Name: 'shelf-local-stock-low',
            EventBusName: { Ref: 'DomainEventBus' },
            EventPattern: { 'detail-type': ['StockLow'], detail: { stock: [{ numeric: ['<', 5] }] } },
            Targets: [
              {
                Id: 'alerts',
                Arn: { 'Fn::GetAtt': ['StockAlertsQueue', 'Arn'] },
                InputTransformer: {
                  InputPathsMap: { sku: '$.detail.sku', stock: '$.detail.stock' },
                  InputTemplate: '{"text": "<sku> is down to <stock>", "rule": "<aws.events.rule-name>"}',
                },
              },
            ],
          },
        },
      },
    );

    const { delivered } = await run(config, [
      { Source: 'shelf.catalog', DetailType: 'StockLow', Detail: { sku: 'TEA-1', stock: 3 } },
      { Source: 'shelf.catalog', DetailType: 'StockLow', Detail: { sku: 'TEA-2', stock: 9 } },
    ]);

    expect(delivered.map(({ arn, message }) => [arn, JSON.parse(message.body)])).toEqual([
      [queueArn, { text: 'TEA-1 is down to 3', rule: 'shelf-local-stock-low' }],
    ]);
  });

  it('take Input and InputPath, and leave out disabled rules and rules on other buses', async () => {
    const config = serviceConfig({
      constant: {
        events: [{ eventBridge: { eventBus: busArn, pattern: { source: ['shelf.orders'] }, input: { fixed: true } } }],
      },
      detailOnly: {
        events: [{ eventBridge: { eventBus: busArn, pattern: { source: ['shelf.orders'] }, inputPath: '$.detail' } }],
      },
      disabled: {
        events: [{ eventBridge: { eventBus: busArn, pattern: { source: ['shelf.orders'] }, enabled: false } }],
      },
      otherBus: { events: [{ eventBridge: { pattern: { source: ['shelf.orders'] } } }] },
    });

    const { invoked } = await run(config, [{ DetailType: 'OrderPlaced', Detail: { orderId: 'o-3' } }]);

    expect(invoked.map(({ functionKey, event }) => [functionKey, event]).sort()).toEqual([
      ['constant', { fixed: true }],
      ['detailOnly', { orderId: 'o-3' }],
    ]);
  });

  it('send what no local service can receive to the target dead-letter queue, with why', async () => {
    const config = serviceConfig(
      {},
      {
        ToFirehose: {
          Type: 'AWS::Events::Rule',
          Properties: {
            Name: 'to-firehose',
            EventBusName: 'shelf-local-domain-events',
            EventPattern: { source: ['shelf.orders'] },
            Targets: [
              {
                Id: 'lake',
                Arn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/lake',
                DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['StockAlertsQueue', 'Arn'] } },
              },
            ],
          },
        },
      },
    );

    const { delivered } = await run(config, [{ DetailType: 'OrderPlaced', Detail: { orderId: 'o-4' } }]);

    expect(delivered).toHaveLength(1);
    expect(JSON.parse(delivered[0]!.message.body)).toMatchObject({ detail: { orderId: 'o-4' } });
    expect(delivered[0]!.message.attributes).toMatchObject({
      RULE_ARN: 'arn:aws:events:us-east-1:000000000000:rule/shelf-local-domain-events/to-firehose',
      TARGET_ARN: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/lake',
      ERROR_MESSAGE: 'firehose destinations are not delivered locally',
    });
  });

  it.each([
    [
      { eventBridge: { eventBus: busArn, pattern: { source: 'shelf.orders' } } },
      /a pattern field is an object or an array/,
    ],
    [{ eventBridge: { eventBus: busArn, schedule: 'rate(1 hour)' } }, /only as a `schedule` event/],
    [
      { eventBridge: { eventBus: busArn, pattern: { source: ['x'] }, inputPath: '$.detail[0]' } },
      /only dotted paths like \$\.detail\.sku/,
    ],
  ])('refuse a rule they cannot run as AWS would, naming it (%j)', (event, problem) => {
    const config = serviceConfig({ consumer: { events: [event] } });
    expect(() => declaredRules(config, localIntrinsics(config, resources))).toThrow(problem);
  });
});
