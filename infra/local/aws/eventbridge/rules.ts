/**
 * EventBridge rules on the local buses: every event a bus accepts (the emulator's onEvent) is
 * matched against the bus's enabled rules (event-pattern.ts), and each matching rule sends it to
 * its targets, shaped by the target's Input, InputPath or InputTransformer, as EventBridge does:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rules.html
 *
 * Rules come from where serverless.yml declares them: a function's `eventBridge` event (osls
 * compiles it to an AWS::Events::Rule with the function as target) and AWS::Events::Rule resources.
 * A Lambda target is invoked asynchronously, as EventBridge invokes it (the async-invoke core: the
 * function's retries, maximum event age, destinations); any other target (an SQS queue, an SNS
 * topic, a Step Functions state machine) gets the event through the destinations its service
 * module registers.
 *
 * Locally, delivery to a target does not fail for want of capacity, so the target's RetryPolicy
 * (EventBridge retrying a throttled delivery) has nothing to do; its DeadLetterConfig receives what
 * could not be delivered at all (a target whose service runs no delivery here).
 */
import type { ServiceConfig } from '../../../service-config';
import { startAsyncInvocations, type AsyncTiming } from '../../lambda/async-invoke';
import { functionArn, referencedFunctionKey } from '../../lambda/invoke';
import type { Intrinsics } from '../../local-resources';
import { localAccountId } from '../../local-resources';
import type { RunningTriggers, TriggerContext } from '../local-service';
import type { BusEvent, EventBridgeEmulator } from './eventbridge-emulator';
import { compileEventPattern, type EventMatcher } from './event-pattern';

/** A rule's target: where the event goes and what it is turned into on the way. */
export interface RuleTarget {
  id: string;
  arn: string;
  /** Set when the target is a function of this service. */
  functionKey?: string;
  /** The payload the target receives for an event. */
  payload(event: BusEvent): unknown;
  deadLetterArn?: string;
}

export interface DeclaredRule {
  name: string;
  arn: string;
  busName: string;
  matches: EventMatcher;
  targets: RuleTarget[];
}

type Json = Record<string, unknown>;

/** `$`, `$.detail`, `$.detail.total.cents`: the JSONPath subset EventBridge's paths use in practice. */
function pathReader(rule: string, path: string): (event: BusEvent) => unknown {
  if (!/^\$(\.[^.[\]\s]+)*$/.test(path)) {
    throw new Error(`Rule ${rule}: the local platform reads only dotted paths like $.detail.sku, not ${path}`);
  }
  const keys = path.split('.').slice(1);
  return (event) => keys.reduce<unknown>((value, key) => (value as Json | undefined)?.[key], event);
}

/**
 * An InputTransformer: each `<name>` of the template becomes the value its path reads. A string
 * goes in as its JSON-escaped text (the template quotes it), anything else as JSON; the result is
 * sent as JSON when it parses, as the text otherwise, as EventBridge does.
 */
function transformer(
  rule: { name: string; arn: string },
  declared: { InputPathsMap?: Record<string, string>; InputTemplate?: string },
) {
  const readers = Object.entries(declared.InputPathsMap ?? {}).map(
    ([name, path]) => [name, pathReader(rule.name, path)] as const,
  );
  const template = declared.InputTemplate ?? '';
  return (event: BusEvent): unknown => {
    const values = new Map<string, unknown>([
      ['aws.events.rule-name', rule.name],
      ['aws.events.rule-arn', rule.arn],
      ['aws.events.event.json', event],
      ...readers.map(([name, read]) => [name, read(event)] as const),
    ]);
    const text = template.replace(/<([\w.-]+)>/g, (whole, name: string) => {
      if (!values.has(name)) return whole;
      const value = values.get(name);
      if (value === undefined) return 'null';
      return typeof value === 'string' ? JSON.stringify(value).slice(1, -1) : JSON.stringify(value);
    });
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  };
}

interface CfnTarget {
  Id?: string;
  Arn: unknown;
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate?: string };
  DeadLetterConfig?: { Arn?: unknown };
}

interface CfnRule {
  Name?: string;
  EventBusName?: unknown;
  EventPattern?: unknown;
  ScheduleExpression?: string;
  State?: string;
  Targets?: CfnTarget[];
}

function ruleFrom(
  logicalId: string,
  properties: CfnRule,
  config: ServiceConfig,
  intrinsics: Intrinsics,
  region: string,
): DeclaredRule | undefined {
  const name = properties.Name ?? logicalId;
  if (properties.State === 'DISABLED') return undefined;
  if (properties.ScheduleExpression !== undefined) {
    throw new Error(`Rule ${name}: a scheduled rule runs locally only as a function's \`schedule\` event`);
  }
  if (properties.EventPattern === undefined) throw new Error(`Rule ${name} has no EventPattern`);
  const bus = properties.EventBusName === undefined ? 'default' : String(intrinsics.resolve(properties.EventBusName));
  const busName = /:event-bus\/(.+)$/.exec(bus)?.[1] ?? bus;
  const ruleArn = `arn:aws:events:${region}:${localAccountId}:rule/${busName === 'default' ? '' : `${busName}/`}${name}`;
  let matches: EventMatcher;
  try {
    matches = compileEventPattern(intrinsics.resolve(properties.EventPattern));
  } catch (error) {
    throw new Error(`Rule ${name}: ${(error as Error).message}`, { cause: error });
  }
  const targets = (properties.Targets ?? []).map((target, index): RuleTarget => {
    const functionKey = referencedFunctionKey(target.Arn, config);
    const arn = functionKey ? functionArn(config, functionKey) : String(intrinsics.resolve(target.Arn));
    const shapes = [target.Input, target.InputPath, target.InputTransformer].filter((s) => s !== undefined);
    if (shapes.length > 1) throw new Error(`Rule ${name}: a target takes one of Input, InputPath, InputTransformer`);
    const payload: RuleTarget['payload'] =
      target.Input !== undefined
        ? () => JSON.parse(target.Input!) as unknown
        : target.InputPath !== undefined
          ? pathReader(name, target.InputPath)
          : target.InputTransformer !== undefined
            ? transformer({ name, arn: ruleArn }, target.InputTransformer)
            : (event) => event;
    const deadLetter = target.DeadLetterConfig?.Arn;
    return {
      id: target.Id ?? `target-${index + 1}`,
      arn,
      ...(functionKey ? { functionKey } : {}),
      payload,
      ...(deadLetter === undefined ? {} : { deadLetterArn: String(intrinsics.resolve(deadLetter)) }),
    };
  });
  return { name, arn: ruleArn, busName, matches, targets };
}

/**
 * Every enabled rule serverless.yml declares: functions' `eventBridge` events, as osls compiles
 * them, and AWS::Events::Rule resources. A rule the platform cannot run as AWS would fails here.
 */
export function declaredRules(config: ServiceConfig, intrinsics: Intrinsics): DeclaredRule[] {
  const { region } = config.provider;
  const rules: DeclaredRule[] = [];
  for (const [functionKey, fn] of Object.entries(config.functions)) {
    (fn.events ?? []).forEach((event, index) => {
      const declared = (event as { eventBridge?: Json }).eventBridge;
      if (!declared) return;
      if (declared.schedule !== undefined) {
        throw new Error(`${functionKey}: an eventBridge schedule runs locally only as a \`schedule\` event`);
      }
      const rule = ruleFrom(
        `${functionKey}-rule-${index + 1}`,
        {
          ...(typeof declared.name === 'string' ? { Name: declared.name } : {}),
          EventBusName: declared.eventBus,
          EventPattern: declared.pattern,
          ...(declared.enabled === false ? { State: 'DISABLED' } : {}),
          Targets: [
            {
              Id: functionKey,
              Arn: functionArn(config, functionKey),
              ...(typeof declared.input === 'object' ? { Input: JSON.stringify(declared.input) } : {}),
              ...(typeof declared.inputPath === 'string' ? { InputPath: declared.inputPath } : {}),
              ...(declared.inputTransformer
                ? {
                    InputTransformer: {
                      InputPathsMap: (declared.inputTransformer as Json).inputPathsMap as Record<string, string>,
                      InputTemplate: (declared.inputTransformer as Json).inputTemplate as string,
                    },
                  }
                : {}),
              ...(declared.deadLetterQueueArn === undefined
                ? {}
                : { DeadLetterConfig: { Arn: declared.deadLetterQueueArn } }),
            },
          ],
        },
        config,
        intrinsics,
        region,
      );
      if (rule) rules.push(rule);
    });
  }
  for (const [logicalId, resource] of Object.entries(config.resources.Resources)) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const rule = ruleFrom(logicalId, resource.Properties ?? {}, config, intrinsics, region);
    if (rule) rules.push(rule);
  }
  return rules;
}

export function startRules(
  context: Pick<TriggerContext<never>, 'config' | 'intrinsics' | 'invoke' | 'destinations' | 'log'> & {
    emulator: Pick<EventBridgeEmulator, 'onEvent'>;
  },
  timing: AsyncTiming = {},
): RunningTriggers {
  const rules = declaredRules(context.config, context.intrinsics);
  const invocations = startAsyncInvocations({ ...context, timing });
  const pending = new Set<Promise<void>>();

  async function deliver(rule: DeclaredRule, target: RuleTarget, event: BusEvent): Promise<void> {
    const label = `EventBridge rule ${rule.name} → ${target.functionKey ?? context.destinations.describe(target.arn)}: ${event['detail-type']}`;
    let payload: unknown;
    try {
      payload = target.payload(event);
    } catch (error) {
      context.log(`${label}: the target's input could not be made: ${(error as Error).message}`);
      return;
    }
    if (target.functionKey) {
      await invocations.invoke(target.functionKey, payload, label);
      return;
    }
    try {
      await context.destinations.deliver(target.arn, { body: JSON.stringify(payload) });
      context.log(label);
    } catch (error) {
      const failure = `${label}: not delivered (${(error as Error).message})`;
      if (!target.deadLetterArn) return context.log(`${failure}; dropped (no dead-letter queue)`);
      // EventBridge's dead-letter queue gets the event itself, with why in its attributes.
      await context.destinations
        .deliver(target.deadLetterArn, {
          body: JSON.stringify(event),
          attributes: { RULE_ARN: rule.arn, TARGET_ARN: target.arn, ERROR_MESSAGE: (error as Error).message },
        })
        .then(
          () => context.log(`${failure}; sent to its dead-letter queue`),
          (dlqError: Error) => context.log(`${failure}; its dead-letter queue failed too: ${dlqError.message}`),
        );
    }
  }

  const stopListening = context.emulator.onEvent((busName, event) => {
    for (const rule of rules) {
      if (rule.busName !== busName || !rule.matches(event)) continue;
      for (const target of rule.targets) {
        const task = deliver(rule, target, event);
        pending.add(task);
        void task.finally(() => pending.delete(task));
      }
    }
  });

  return {
    sources: rules.flatMap((rule) =>
      rule.targets.map((t) => `EventBridge rule ${rule.name} (${rule.busName}) → ${t.functionKey ?? t.arn}`),
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
