// CloudWatch Logs subscriptions on the local platform (infra/local/aws/logs/): the functions'
// output as serverless-offline prints it, written line by line (in chunks, on stdout and stderr)
// into the trigger context's function output; the subscriptions serverless.yml would declare (a
// function's `cloudwatchLog` event, an AWS::Logs::SubscriptionFilter resource); a fake Invoke API
// recording what the destination gets, decoded as the destination decodes it.
import { gunzipSync } from 'node:zlib';
import { logsService } from '../../../../infra/local/aws/logs/service';
import {
  declaredSubscriptions,
  startLogSubscriptions,
  type LogsData,
} from '../../../../infra/local/aws/logs/subscriptions';
import { FunctionOutput } from '../../../../infra/local/lambda/function-output';
import type { Invocation } from '../../../../infra/local/lambda/invoke';
import { readFixture } from '../../../../infra/local/lambda/sample-events';
import { localIntrinsics, type LocalResource } from '../../../../infra/local/local-resources';
import type { CfnResource, FunctionConfig, ServiceConfig } from '../../../../infra/service-config';
import { recordingDestinations, type Delivered } from '../lambda/recording-destinations';

const failuresArn = 'arn:aws:sqs:us-east-1:000000000000:shelf-local-digest-failures';

function serviceConfig(
  functions: Record<string, Partial<FunctionConfig>>,
  resources: Record<string, CfnResource> = {},
): ServiceConfig {
  return {
    service: 'shelf',
    provider: { region: 'us-east-1', stage: 'local', memorySize: 512 },
    functions: Object.fromEntries(
      Object.entries({ placeOrder: {}, getOrder: {}, ...functions }).map(([key, fn]) => [
        key,
        { handler: `x.${key}`, name: `shelf-local-${key}`, ...fn },
      ]),
    ),
    resources: { Resources: resources },
  };
}

const errorsOf = (logGroup: string, filter = '{ $.level = "ERROR" }') => ({
  events: [{ cloudwatchLog: { logGroup, filter } }],
});

/** A Powertools logger line of `functionKey`, as observedHandler's logger writes it. */
const powertools = (functionKey: string, level: string, message: string) =>
  JSON.stringify({
    level,
    message,
    timestamp: '2026-12-03T01:00:00.000Z',
    service: 'shelf',
    cold_start: false,
    function_arn: `offline_invokedFunctionArn_for_shelf-local-${functionKey}`,
    function_memory_size: '512',
    function_name: `shelf-local-${functionKey}`,
    function_request_id: '308b7f6d-581d-46a1-898b-e1413e143138',
  });

const decode = (event: unknown) =>
  JSON.parse(
    gunzipSync(Buffer.from((event as { awslogs: { data: string } }).awslogs.data, 'base64')).toString(),
  ) as LogsData;

interface Invoked {
  functionKey: string;
  data: LogsData;
}

/** The subscriptions of `config` on a fake context; `answers` are the destination's results, in order. */
function running(config: ServiceConfig, options: { answers?: Invocation[]; batchWindowMs?: number } = {}) {
  const output = new FunctionOutput();
  const invoked: Invoked[] = [];
  const delivered: Delivered[] = [];
  const lines: string[] = [];
  const resources = new Map<string, LocalResource>([
    ['DigestFailuresQueue', { type: 'AWS::SQS::Queue', ref: 'http://q/digest-failures', arn: failuresArn }],
  ]);
  const triggers = startLogSubscriptions(
    {
      config,
      intrinsics: localIntrinsics(config, resources),
      destinations: recordingDestinations(delivered),
      log: (line) => lines.push(line),
      functionOutput: (listener) => output.subscribe(listener),
      invoke: (functionKey, event) => {
        invoked.push({ functionKey, data: decode(event) });
        return Promise.resolve(options.answers?.shift() ?? { status: 200, payload: null });
      },
    },
    { batchWindowMs: options.batchWindowMs ?? 20, retryDelayMs: 5, stopTimeoutMs: 200 },
  );
  return { output, invoked, delivered, lines, triggers };
}

describe('CloudWatch Logs subscriptions', () => {
  it("deliver a function's matching lines to the destination as CloudWatch Logs' gzipped, base64 event", async () => {
    const config = serviceConfig({ digestErrors: errorsOf('/aws/lambda/shelf-local-placeOrder') });
    const { output, invoked, triggers } = running(config);
    const failed = powertools('placeOrder', 'ERROR', 'Order not placed');
    const before = Date.now();

    output.write(`${powertools('placeOrder', 'INFO', 'Placing order')}\n`, 'stdout');
    output.write(`${failed}\n`, 'stderr');
    // Another function's error: its log group has no subscription.
    output.write(`${powertools('getOrder', 'ERROR', 'Order not found')}\n`, 'stderr');
    output.write('POST /orders (λ: placeOrder)\n', 'stdout');
    await triggers.idle();
    await triggers.stop();

    expect(triggers.sources).toEqual([
      'CloudWatch Logs /aws/lambda/shelf-local-placeOrder (shelf-local-DigestErrorsLogsSubscriptionFilterCloudWatchLog1) → digestErrors',
    ]);
    expect(invoked).toHaveLength(1);
    const [{ functionKey, data }] = invoked as [Invoked];
    expect(functionKey).toBe('digestErrors');
    // The keys of AWS's own sample, in its order.
    const sample = decode(readFixture('cloudwatch-logs-event.json'));
    expect(Object.keys(data)).toEqual(Object.keys(sample));
    expect(data).toMatchObject({
      messageType: 'DATA_MESSAGE',
      owner: '000000000000',
      logGroup: '/aws/lambda/shelf-local-placeOrder',
      subscriptionFilters: ['shelf-local-DigestErrorsLogsSubscriptionFilterCloudWatchLog1'],
    });
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    expect(data.logStream).toMatch(new RegExp(`^${today}/\\[\\$LATEST\\][0-9a-f]{32}$`));
    expect(data.logEvents).toHaveLength(1);
    const [logEvent] = data.logEvents;
    expect(logEvent!.message).toBe(failed);
    expect(logEvent!.id).toMatch(/^\d{56}$/);
    expect(logEvent!.timestamp).toBeGreaterThanOrEqual(before);
    expect(logEvent!.timestamp).toBeLessThanOrEqual(Date.now());
  });

  it('apply a term pattern to the lines Lambda would log: REPORT and unhandled errors included, platform lines not', async () => {
    const config = serviceConfig({ digestAll: errorsOf('/aws/lambda/shelf-local-placeOrder', '') });
    const { output, invoked, triggers } = running(config);
    const emf = '{"_aws":{"Timestamp":1796259571908,"CloudWatchMetrics":[]},"service":"shelf","OrdersPlaced":1}';

    output.write(
      [
        'Server ready: http://127.0.0.1:3000 🚀',
        'POST /orders (λ: placeOrder)',
        powertools('placeOrder', 'INFO', 'Placing order'),
        emf,
        '(λ: placeOrder) RequestId: 3eeb55af-aece-424e-9468-cb7820fe2526  Duration: 1007.18 ms  Billed Duration: 1008 ms',
        "\u001b[31m✖ Unhandled exception in handler 'placeOrder'.\u001b[39m",
        '    at handler (services/orders/place-order.ts:12:11)',
        '',
      ].join('\n'),
      'stdout',
    );
    await triggers.idle();
    await triggers.stop();

    expect(invoked.flatMap(({ data }) => data.logEvents.map((e) => e.message))).toEqual([
      powertools('placeOrder', 'INFO', 'Placing order'),
      'REPORT RequestId: 3eeb55af-aece-424e-9468-cb7820fe2526\tDuration: 1007.18 ms\tBilled Duration: 1008 ms\tMemory Size: 512 MB\t',
      "ERROR\tUnhandled exception in handler 'placeOrder'.",
    ]);
  });

  it('match the filter pattern: an ERROR term, exclusions and AWS case sensitivity', async () => {
    const config = serviceConfig({ digestErrors: errorsOf('/aws/lambda/shelf-local-placeOrder', 'ERROR -Retrying') });
    const { output, invoked, triggers } = running(config);

    for (const [level, message] of [
      ['ERROR', 'Order not placed'],
      ['ERROR', 'Retrying the reservation'],
      ['INFO', 'no ERROR here but the word'],
      ['WARN', 'error in lower case'],
    ]) {
      output.write(`${powertools('placeOrder', level!, message!)}\n`, 'stdout');
    }
    output.write("Unhandled exception in handler 'placeOrder'.\n", 'stderr');
    await triggers.idle();
    await triggers.stop();

    expect(invoked.flatMap(({ data }) => data.logEvents.map((e) => e.message))).toEqual([
      powertools('placeOrder', 'ERROR', 'Order not placed'),
      powertools('placeOrder', 'INFO', 'no ERROR here but the word'),
      "ERROR\tUnhandled exception in handler 'placeOrder'.",
    ]);
  });

  it('keep a line whole when it arrives in chunks, with the other stream writing in between', async () => {
    const config = serviceConfig({ digestErrors: errorsOf('/aws/lambda/shelf-local-placeOrder') });
    const { output, invoked, triggers } = running(config);
    const failed = powertools('placeOrder', 'ERROR', 'Order not placed');
    const other = powertools('placeOrder', 'ERROR', 'Stock not reserved');

    output.write(failed.slice(0, 40), 'stderr');
    output.write(`${powertools('placeOrder', 'INFO', 'Placing order')}\n`, 'stdout');
    output.write(`${failed.slice(40)}\n${other.slice(0, 10)}`, 'stderr');
    output.write(`${other.slice(10)}\r\n`, 'stderr');
    await triggers.idle();
    await triggers.stop();

    expect(invoked.flatMap(({ data }) => data.logEvents.map((e) => e.message))).toEqual([failed, other]);
  });

  it('gather the events of a stream for the batch window into one invocation, ids ascending', async () => {
    const config = serviceConfig({ digestErrors: errorsOf('/aws/lambda/shelf-local-placeOrder') });
    const { output, invoked, triggers } = running(config, { batchWindowMs: 200 });

    for (let i = 0; i < 5; i++) output.write(`${powertools('placeOrder', 'ERROR', `failure ${i}`)}\n`, 'stderr');
    await triggers.idle();
    output.write(`${powertools('placeOrder', 'ERROR', 'failure 5')}\n`, 'stderr');
    await triggers.idle();
    await triggers.stop();

    expect(invoked.map(({ data }) => data.logEvents.map((e) => JSON.parse(e.message).message))).toEqual([
      ['failure 0', 'failure 1', 'failure 2', 'failure 3', 'failure 4'],
      ['failure 5'],
    ]);
    const ids = invoked.flatMap(({ data }) => data.logEvents.map((e) => BigInt(e.id)));
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(ids).size).toBe(6);
    // One function, one execution environment: one stream.
    expect(new Set(invoked.map(({ data }) => data.logStream)).size).toBe(1);
  });

  it('cut a batch at what one PutLogEvents carries: 10,000 events', async () => {
    const config = serviceConfig({ digestErrors: errorsOf('/aws/lambda/shelf-local-placeOrder', 'ERROR') });
    const { output, invoked, triggers } = running(config, { batchWindowMs: 5000 });

    // Short lines (86 bytes counted each), so the count is reached before the size.
    const line = '{"level":"ERROR","function_name":"shelf-local-placeOrder"}';
    output.write(`${`${line}\n`.repeat(10_001)}`, 'stderr');
    await triggers.stop();

    expect(invoked.map(({ data }) => data.logEvents.length)).toEqual([10_000, 1]);
  });

  it('cut a batch at 1 MB of messages (each counted with 26 bytes more)', async () => {
    const config = serviceConfig({ digestErrors: errorsOf('/aws/lambda/shelf-local-placeOrder', 'ERROR') });
    const { output, invoked, triggers } = running(config, { batchWindowMs: 5000 });

    const line = powertools('placeOrder', 'ERROR', 'y'.repeat(100_000));
    output.write(`${`${line}\n`.repeat(12)}`, 'stderr');
    await triggers.stop();

    const perEvent = Buffer.byteLength(line) + 26;
    const fits = Math.floor(1_048_576 / perEvent);
    expect(invoked.map(({ data }) => data.logEvents.length)).toEqual([fits, 12 - fits]);
  });

  it('deliver through an AWS::Logs::SubscriptionFilter resource: a Ref to a log group, a GetAtt or an ARN as destination', async () => {
    const config = serviceConfig(
      { digestErrors: {}, auditOrders: {} },
      {
        PlaceOrderErrors: {
          Type: 'AWS::Logs::SubscriptionFilter',
          Properties: {
            LogGroupName: { Ref: 'PlaceOrderLogGroup' },
            FilterPattern: '{ $.level = "ERROR" || $.level = "WARN" }',
            DestinationArn: { 'Fn::GetAtt': ['DigestErrorsLambdaFunction', 'Arn'] },
          },
        },
        GetOrderAudit: {
          Type: 'AWS::Logs::SubscriptionFilter',
          Properties: {
            FilterName: 'get-order-audit',
            LogGroupName: '/aws/lambda/shelf-local-getOrder',
            FilterPattern: '',
            DestinationArn: 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-auditOrders',
          },
        },
      },
    );
    const { output, invoked, triggers } = running(config);

    output.write(`${powertools('placeOrder', 'WARN', 'Slow reservation')}\n`, 'stdout');
    output.write(`${powertools('placeOrder', 'INFO', 'Placed')}\n`, 'stdout');
    output.write(`${powertools('getOrder', 'INFO', 'Order read')}\n`, 'stdout');
    await triggers.idle();
    await triggers.stop();

    const byDestination = Object.fromEntries(invoked.map(({ functionKey, data }) => [functionKey, data]));
    expect(byDestination.digestErrors).toMatchObject({
      logGroup: '/aws/lambda/shelf-local-placeOrder',
      subscriptionFilters: ['shelf-local-PlaceOrderErrors'],
      logEvents: [{ message: powertools('placeOrder', 'WARN', 'Slow reservation') }],
    });
    expect(byDestination.auditOrders).toMatchObject({
      logGroup: '/aws/lambda/shelf-local-getOrder',
      subscriptionFilters: ['get-order-audit'],
      logEvents: [{ message: powertools('getOrder', 'INFO', 'Order read') }],
    });
    expect(invoked).toHaveLength(2);
  });

  it("deliver every other function's error lines to custom.errorDigest's function, as the packaged template subscribes them", async () => {
    const config = {
      ...serviceConfig({
        digestErrors: {},
        addSecurityHeaders: { events: [{ cloudFront: { eventType: 'viewer-response' } }] },
      }),
      custom: { errorDigest: { function: 'digestErrors', filterPattern: '?ERROR ?"Task timed out"' } },
    };
    const { output, invoked, triggers } = running(config);

    output.write(`${powertools('placeOrder', 'ERROR', 'Order not placed')}\n`, 'stderr');
    output.write(`${powertools('placeOrder', 'INFO', 'Placed')}\n`, 'stdout');
    output.write("Unhandled exception in handler 'getOrder'.\n", 'stderr');
    // Its own errors are not delivered back to it.
    output.write(`${powertools('digestErrors', 'ERROR', 'Digest not sent')}\n`, 'stderr');
    await triggers.idle();
    await triggers.stop();

    expect(triggers.sources).toEqual([
      'CloudWatch Logs /aws/lambda/shelf-local-placeOrder (shelf-local-PlaceOrderErrorDigestSubscription) → digestErrors',
      'CloudWatch Logs /aws/lambda/shelf-local-getOrder (shelf-local-GetOrderErrorDigestSubscription) → digestErrors',
    ]);
    expect(
      invoked.map(({ functionKey, data }) => [functionKey, data.logGroup, data.logEvents.map((e) => e.message)]),
    ).toEqual([
      ['digestErrors', '/aws/lambda/shelf-local-placeOrder', [powertools('placeOrder', 'ERROR', 'Order not placed')]],
      ['digestErrors', '/aws/lambda/shelf-local-getOrder', ["ERROR\tUnhandled exception in handler 'getOrder'."]],
    ]);
  });

  it("retry a failed delivery as an asynchronous invocation, then send Lambda's record to the on-failure destination", async () => {
    const config = serviceConfig({
      digestErrors: {
        ...errorsOf('/aws/lambda/shelf-local-placeOrder'),
        maximumRetryAttempts: 1,
        destinations: { onFailure: failuresArn },
      },
    });
    const failure: Invocation = {
      status: 200,
      functionError: 'Unhandled',
      payload: { errorType: 'Error', errorMessage: 'topic unreachable' },
    };
    const { output, invoked, delivered, triggers } = running(config, { answers: [failure, failure] });

    output.write(`${powertools('placeOrder', 'ERROR', 'Order not placed')}\n`, 'stderr');
    await triggers.idle();
    await triggers.stop();

    expect(invoked).toHaveLength(2);
    expect(invoked[1]!.data).toEqual(invoked[0]!.data);
    expect(delivered).toHaveLength(1);
    const record = JSON.parse(delivered[0]!.message.body) as {
      requestContext: { condition: string; approximateInvokeCount: number };
      requestPayload: unknown;
    };
    expect(delivered[0]!.arn).toBe(failuresArn);
    expect(record.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 2 });
    expect(decode(record.requestPayload).logEvents.map((e) => JSON.parse(e.message).message)).toEqual([
      'Order not placed',
    ]);
  });

  it('list a subscription on a log group no local function writes to, and deliver nothing from it', async () => {
    const config = serviceConfig({ digestErrors: errorsOf('/aws/lambda/us-east-1.shelf-local-addSecurityHeaders') });
    const { output, invoked, triggers } = running(config);

    output.write(`${powertools('placeOrder', 'ERROR', 'Order not placed')}\n`, 'stderr');
    await triggers.idle();
    await triggers.stop();

    expect(triggers.sources).toEqual([
      'CloudWatch Logs /aws/lambda/us-east-1.shelf-local-addSecurityHeaders (shelf-local-DigestErrorsLogsSubscriptionFilterCloudWatchLog1) → digestErrors (no local function writes to it)',
    ]);
    expect(invoked).toEqual([]);
  });
});

describe('declared subscriptions', () => {
  const declared = (config: ServiceConfig) => () => declaredSubscriptions(config, localIntrinsics(config, new Map()));

  it("refuse a function subscribed to its own log group: its deliveries' lines would come back to it", () => {
    expect(declared(serviceConfig({ digestErrors: errorsOf('/aws/lambda/shelf-local-digestErrors') }))).toThrow(
      "digestErrors: cloudwatchLog /aws/lambda/shelf-local-digestErrors: /aws/lambda/shelf-local-digestErrors is digestErrors's own log group; it cannot be subscribed to it",
    );
  });

  it('refuse a third subscription filter on one log group', () => {
    const group = '/aws/lambda/shelf-local-placeOrder';
    const config = serviceConfig({ a: errorsOf(group), b: errorsOf(group), c: errorsOf(group) });
    expect(declared(config)).toThrow(`c: cloudwatchLog ${group}: ${group} already has 2 subscription filters`);
  });

  it('refuse an invalid filter pattern, naming the subscription and the problem', () => {
    const config = serviceConfig({ digestErrors: errorsOf('/aws/lambda/shelf-local-placeOrder', '{ $.level = }') });
    expect(declared(config)).toThrow(
      'digestErrors: cloudwatchLog /aws/lambda/shelf-local-placeOrder: Filter pattern "{ $.level = }": a value must follow =',
    );
  });

  it('refuse a destination that is not a function of this service', () => {
    const config = serviceConfig(
      {},
      {
        ToKinesis: {
          Type: 'AWS::Logs::SubscriptionFilter',
          Properties: {
            LogGroupName: '/aws/lambda/shelf-local-placeOrder',
            FilterPattern: '',
            DestinationArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/logs',
          },
        },
      },
    );
    expect(declared(config)).toThrow('ToKinesis: its DestinationArn names no function of this service');
  });

  it("unescape a filter's quotes once, as osls does", () => {
    const config = serviceConfig({
      digestErrors: errorsOf('/aws/lambda/shelf-local-placeOrder', '{ $.level = \\"ERROR\\" }'),
    });
    const [subscription] = declared(config)();
    expect(subscription!.pattern.text).toBe('{ $.level = "ERROR" }');
  });
});

describe('the logs module', () => {
  it("gives npm run invoke AWS's sample event with the subscription's log group, stream and filter", () => {
    const config = serviceConfig({ digestErrors: errorsOf('/aws/lambda/shelf-local-placeOrder') });
    const sample = decode(readFixture('cloudwatch-logs-event.json'));

    const event = logsService.sampleEvent!({
      config,
      region: 'us-east-1',
      functionKey: 'digestErrors',
      declared: config.functions.digestErrors!.events![0] as Record<string, unknown>,
      resources: new Map(),
      intrinsics: localIntrinsics(config, new Map()),
      fixture: readFixture,
    });

    const data = decode(event);
    expect(data).toMatchObject({
      messageType: 'DATA_MESSAGE',
      owner: '000000000000',
      logGroup: '/aws/lambda/shelf-local-placeOrder',
      subscriptionFilters: ['shelf-local-DigestErrorsLogsSubscriptionFilterCloudWatchLog1'],
    });
    expect(data.logStream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(data.logEvents.map((e) => e.message)).toEqual(sample.logEvents.map((e) => e.message));
    expect(data.logEvents.every((e) => /^\d{56}$/.test(e.id))).toBe(true);
  });

  it('answers no sample for a function without a subscription', () => {
    const config = serviceConfig({ placeOrder: { events: [{ httpApi: { method: 'POST', path: '/orders' } }] } });
    expect(
      logsService.sampleEvent!({
        config,
        region: 'us-east-1',
        functionKey: 'placeOrder',
        declared: config.functions.placeOrder!.events![0] as Record<string, unknown>,
        resources: new Map(),
        intrinsics: localIntrinsics(config, new Map()),
        fixture: readFixture,
      }),
    ).toBeUndefined();
  });

  it('creates the declared log groups: a Ref gives the name, GetAtt Arn the ARN', async () => {
    const config = serviceConfig({});
    const created = await logsService.createResources!(
      [
        [
          'ClickstreamDeliveryLogGroup',
          { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/kinesisfirehose/clicks' } },
        ],
      ],
      {
        config,
        region: 'us-east-1',
        started: {},
        intrinsics: localIntrinsics(config, new Map()),
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        webOrigins: [],
        endpoints: {},
      },
    );
    expect(Object.fromEntries(created)).toEqual({
      ClickstreamDeliveryLogGroup: {
        type: 'AWS::Logs::LogGroup',
        ref: '/aws/kinesisfirehose/clicks',
        arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/kinesisfirehose/clicks:*',
      },
    });
  });
});
