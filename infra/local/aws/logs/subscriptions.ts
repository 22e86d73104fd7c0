/**
 * CloudWatch Logs subscription filters with a Lambda destination, run by the local platform as
 * CloudWatch Logs runs them (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html):
 *
 * - declared as osls's function event `cloudwatchLog: <log group>` or `{ logGroup, filter }`
 *   (the declaring function is the destination), or as an `AWS::Logs::SubscriptionFilter`
 *   resource whose `DestinationArn` names a function of this service, among them those the
 *   packaging adds for the error digest (infra/package/error-digest-subscriptions.ts);
 * - each log event of the source log group that the filter pattern matches (filter-pattern.ts)
 *   is gathered with the others of its log stream for a short while (`batchWindowMs`), up to
 *   what one PutLogEvents call carries (10,000 events, 1 MB), then sent to the destination as
 *   an asynchronous invocation (the async-invoke core: its retries, event age and on-failure
 *   destination) with CloudWatch Logs' event: `{ awslogs: { data: base64(gzip(JSON)) } }`.
 *
 * Locally the log groups that get events are the functions' own (`/aws/lambda/<function name>`),
 * fed with their output line by line (function-log-events.ts says how a line is attributed).
 * Each function writes to one log stream, `yyyy/mm/dd/[$LATEST]<32 hex>`, as one execution
 * environment would: serverless-offline keeps a function's handler loaded between invocations.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { errorDigestResources } from '../../../package/error-digest-subscriptions';
import type { ServiceConfig } from '../../../service-config';
import { startAsyncInvocations, type AsyncTiming } from '../../lambda/async-invoke';
import { functionName, lambdaLogicalId, referencedFunctionKey } from '../../lambda/invoke';
import { localAccountId, type Intrinsics, type LocalResource } from '../../local-resources';
import type { RunningTriggers, TriggerContext } from '../local-service';
import { parseFilterPattern, type FilterPattern } from './filter-pattern';
import { functionLogEvents } from './function-log-events';

export interface Subscription {
  /** The filter's name: the event's `subscriptionFilters` lists it. */
  filterName: string;
  logGroup: string;
  /** The function of this service whose log group it is; undefined for any other log group. */
  sourceKey?: string;
  destinationKey: string;
  pattern: FilterPattern;
  /** Where serverless.yml declares it: a function's n-th `cloudwatchLog` event (from 1), or a resource. */
  declaredBy: { functionKey: string; index: number } | { logicalId: string };
}

/** What CloudWatch Logs sends a Lambda destination, decoded. */
export interface LogsData {
  messageType: 'DATA_MESSAGE';
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: { id: string; timestamp: number; message: string }[];
}

/** The event itself: the JSON above, gzipped, in base64. */
export function logsEvent(data: LogsData): { awslogs: { data: string } } {
  return { awslogs: { data: gzipSync(JSON.stringify(data)).toString('base64') } };
}

/** A Lambda function's log group, as Lambda names it. */
export const functionLogGroup = (config: ServiceConfig, functionKey: string) =>
  `/aws/lambda/${functionName(config, functionKey)}`;

/** The framework's logical id of a function's log group (`<Function>LogGroup`), which a Ref may name. */
const logGroupLogicalId = (functionKey: string) => lambdaLogicalId(functionKey).replace(/LambdaFunction$/, 'LogGroup');

/** CloudWatch Logs' limit: at most two subscription filters on a log group (LimitExceededException). */
const filtersPerLogGroup = 2;

/**
 * Every subscription serverless.yml declares with a function of this service as destination. One
 * CloudWatch Logs would refuse is refused here, named: an invalid pattern, a third filter on a
 * log group, a function subscribed to its own log group, a destination that is not a function.
 */
export function declaredSubscriptions(config: ServiceConfig, intrinsics: Intrinsics): Subscription[] {
  const stackName = `${config.service}-${config.provider.stage}`;
  // The functions' own log groups, which the framework creates: a Ref to one resolves to its name.
  const logGroups = intrinsics.with(
    new Map<string, LocalResource>(
      Object.keys(config.functions).map((key) => [
        logGroupLogicalId(key),
        { type: 'AWS::Logs::LogGroup', ref: functionLogGroup(config, key) },
      ]),
    ),
  );
  const sourceOf = (logGroup: string) =>
    Object.keys(config.functions).find((key) => functionLogGroup(config, key) === logGroup);
  const subscriptions: Subscription[] = [];
  const add = (where: string, declared: Omit<Subscription, 'sourceKey' | 'pattern'> & { pattern: string }) => {
    let pattern: FilterPattern;
    try {
      pattern = parseFilterPattern(declared.pattern);
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
    }
    const sourceKey = sourceOf(declared.logGroup);
    // AWS refuses a subscription delivering a function's log to that function: each delivery
    // would write lines that are delivered again, without end.
    if (sourceKey === declared.destinationKey) {
      throw new Error(`${where}: ${declared.logGroup} is ${sourceKey}'s own log group; it cannot be subscribed to it`);
    }
    if (subscriptions.filter((s) => s.logGroup === declared.logGroup).length >= filtersPerLogGroup) {
      throw new Error(
        `${where}: ${declared.logGroup} already has ${filtersPerLogGroup} subscription filters, the most allowed`,
      );
    }
    subscriptions.push({ ...declared, pattern, ...(sourceKey ? { sourceKey } : {}) });
  };

  for (const [functionKey, fn] of Object.entries(config.functions)) {
    let index = 0;
    for (const event of (fn.events ?? []) as Record<string, unknown>[]) {
      if (!('cloudwatchLog' in event)) continue;
      index++;
      const declared = event.cloudwatchLog as string | { logGroup: string; filter?: string };
      const logGroup = typeof declared === 'string' ? declared : declared.logGroup;
      let filter = typeof declared === 'string' ? '' : (declared.filter ?? '');
      // osls's own quirk, kept so the pattern is the deployed one: quotes escaped in the YAML
      // (a backslash before the first quote) are unescaped once.
      const slash = filter.indexOf('\\');
      const quote = filter.indexOf('"');
      if (slash >= 0 && quote > slash) filter = filter.replace(/\\("|\\|')/g, (_, escaped: string) => escaped);
      // CloudFormation names the filter `<stack>-<logical id>-<random>`; locally without the random part.
      const logicalId = `${lambdaLogicalId(functionKey).replace(/LambdaFunction$/, '')}LogsSubscriptionFilterCloudWatchLog${index}`;
      add(`${functionKey}: cloudwatchLog ${logGroup}`, {
        filterName: `${stackName}-${logicalId}`,
        logGroup: logGroup.replace(/\r?\n/g, ''),
        destinationKey: functionKey,
        pattern: filter.replace(/\r?\n/g, ''),
        declaredBy: { functionKey, index },
      });
    }
  }

  // What the template gets when packaging, not only what serverless.yml's resources declare.
  const resources = {
    ...config.resources.Resources,
    ...errorDigestResources(config),
  };
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Logs::SubscriptionFilter') continue;
    const properties = resource.Properties ?? {};
    const { LogGroupName, FilterPattern, FilterName } = logGroups.resolve({
      LogGroupName: properties.LogGroupName,
      FilterPattern: properties.FilterPattern,
      FilterName: properties.FilterName,
    }) as { LogGroupName?: string; FilterPattern?: string; FilterName?: string };
    if (!LogGroupName || FilterPattern === undefined) {
      throw new Error(`${logicalId}: an AWS::Logs::SubscriptionFilter needs a LogGroupName and a FilterPattern`);
    }
    const destination = properties.DestinationArn;
    const destinationKey =
      referencedFunctionKey(destination, config) ??
      referencedFunctionKey(typeof destination === 'object' ? logGroups.resolve(destination) : undefined, config);
    if (!destinationKey) {
      throw new Error(
        `${logicalId}: its DestinationArn names no function of this service; the local platform delivers to functions only`,
      );
    }
    add(logicalId, {
      filterName: FilterName ?? `${stackName}-${logicalId}`,
      logGroup: LogGroupName,
      destinationKey,
      pattern: FilterPattern,
      declaredBy: { logicalId },
    });
  }
  return subscriptions;
}

/** A log stream's name as Lambda writes it: the day (UTC), the version, the execution environment's id. */
export function logStreamName(day: Date, environmentId: string): string {
  return `${day.toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${environmentId}`;
}

/** A log event's id: 56 digits, as CloudWatch Logs writes them, ascending with time. */
export function logEventId(timestamp: number, sequence: number): string {
  return `${String(timestamp).padStart(13, '0')}${String(sequence).padStart(43, '0')}`;
}

export interface LogsTiming extends AsyncTiming {
  /** How long a log stream's matching events are gathered before they are sent. Default 1000. */
  batchWindowMs?: number;
}

/** What one PutLogEvents call carries at most, so what one delivery carries at most. */
const maxBatchEvents = 10_000;
const maxBatchBytes = 1_048_576;
/** PutLogEvents counts each event as its message's UTF-8 bytes plus 26. */
const eventOverheadBytes = 26;

interface Batch {
  subscription: Subscription;
  logStream: string;
  events: LogsData['logEvents'];
  bytes: number;
  timer: NodeJS.Timeout;
  sent: () => void;
  done: Promise<void>;
}

export function startLogSubscriptions(
  context: Pick<TriggerContext<never>, 'config' | 'intrinsics' | 'invoke' | 'destinations' | 'log' | 'functionOutput'>,
  timing: LogsTiming = {},
): RunningTriggers {
  const { config } = context;
  const subscriptions = declaredSubscriptions(config, context.intrinsics);
  const invocations = startAsyncInvocations({ ...context, timing });
  const now = timing.now ?? Date.now;
  const batchWindowMs = timing.batchWindowMs ?? 1000;
  const attribute = functionLogEvents(config);
  // One execution environment per function (see above), so one log stream id each.
  const environmentIds = new Map(Object.keys(config.functions).map((key) => [key, randomBytes(16).toString('hex')]));
  const batches = new Map<string, Batch>();
  let sequence = 0;

  function send(key: string) {
    const batch = batches.get(key);
    if (!batch) return;
    batches.delete(key);
    clearTimeout(batch.timer);
    const { subscription, logStream, events } = batch;
    const event = logsEvent({
      messageType: 'DATA_MESSAGE',
      owner: localAccountId,
      logGroup: subscription.logGroup,
      logStream,
      subscriptionFilters: [subscription.filterName],
      logEvents: events,
    });
    void invocations.invoke(
      subscription.destinationKey,
      event,
      `CloudWatch Logs ${subscription.logGroup} (${subscription.filterName}) → ${subscription.destinationKey}: ${events.length} event${events.length === 1 ? '' : 's'}`,
    );
    batch.sent();
  }

  function gather(line: string) {
    const written = attribute(line);
    if (!written) return;
    const timestamp = now();
    for (const subscription of subscriptions) {
      if (subscription.sourceKey !== written.functionKey || !subscription.pattern.matches(written.message)) continue;
      const logStream = logStreamName(new Date(timestamp), environmentIds.get(written.functionKey)!);
      const key = `${subscription.filterName}\n${subscription.logGroup}\n${logStream}`;
      const bytes = Buffer.byteLength(written.message) + eventOverheadBytes;
      const gathering = batches.get(key);
      if (gathering && (gathering.events.length >= maxBatchEvents || gathering.bytes + bytes > maxBatchBytes))
        send(key);
      let batch = batches.get(key);
      if (!batch) {
        let sent!: () => void;
        const done = new Promise<void>((resolve) => (sent = resolve));
        batch = {
          subscription,
          logStream,
          events: [],
          bytes: 0,
          timer: setTimeout(() => send(key), batchWindowMs),
          sent,
          done,
        };
        batches.set(key, batch);
      }
      batch.events.push({ id: logEventId(timestamp, sequence++), timestamp, message: written.message });
      batch.bytes += bytes;
    }
  }
  // With no subscription on a function's log group the output is not read at all.
  const unsubscribe = subscriptions.some(({ sourceKey }) => sourceKey !== undefined)
    ? context.functionOutput(gather)
    : () => undefined;

  return {
    sources: subscriptions.map(
      ({ logGroup, filterName, destinationKey, sourceKey }) =>
        `CloudWatch Logs ${logGroup} (${filterName}) → ${destinationKey}${sourceKey ? '' : ' (no local function writes to it)'}`,
    ),
    async idle() {
      // Gathering counts as busy: a batch waiting for its window is about to be invoked. An
      // invocation may write lines another subscription gathers, hence the loop.
      for (;;) {
        while (batches.size) await Promise.all([...batches.values()].map((batch) => batch.done));
        await invocations.idle();
        if (!batches.size) return;
      }
    },
    async stop() {
      unsubscribe();
      // What was gathered is sent now: the destination is still there until the triggers stop.
      for (const key of [...batches.keys()]) send(key);
      await invocations.stop();
    },
  };
}
