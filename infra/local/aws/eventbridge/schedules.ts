/**
 * The functions' `schedule` events, fired by the local platform as EventBridge fires them: on the
 * expression's own semantics (schedule-expression.ts: UTC, 1 = Sunday, `?`, `L`, `W`, `#`), as an
 * asynchronous invocation (the async-invoke core: the function's retries, maximum event age and
 * on-failure destination), with the "Scheduled Event" EventBridge sends, or the schedule's
 * constant `input` in its place. serverless-offline's own scheduler (node-schedule: local time,
 * 1 = Monday) is switched off for the local stack by resolve-local-environment.ts.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html
 */
import { randomUUID } from 'node:crypto';
import type { ServiceConfig } from '../../../service-config';
import { startAsyncInvocations, type AsyncTiming } from '../../lambda/async-invoke';
import { interruptibleSleep } from '../../lambda/bounded-waits';
import { functionName } from '../../lambda/invoke';
import { localAccountId } from '../../local-resources';
import type { RunningTriggers, TriggerContext } from '../local-service';
import { parseScheduleExpression, type ScheduleExpression } from './schedule-expression';

/** One schedule of one function, as serverless.yml declares it (`schedule: rate(...)` or `{ rate, enabled, input, ... }`). */
export interface DeclaredSchedule {
  functionKey: string;
  schedule: ScheduleExpression;
  /** The rule's name: the declared `name`, else `<function name>-schedule[-n]`. */
  ruleName: string;
  /** The constant JSON the target sends instead of the Scheduled Event. */
  input?: unknown;
}

interface ScheduleObject {
  rate: string | string[];
  enabled?: boolean;
  input?: unknown;
  inputPath?: string;
  inputTransformer?: unknown;
  name?: string;
  method?: 'eventBus' | 'scheduler';
  timezone?: string;
}

/** Every enabled schedule in serverless.yml; a schedule the platform cannot run as AWS would fails here, by name. */
export function declaredSchedules(config: ServiceConfig): DeclaredSchedule[] {
  const schedules: DeclaredSchedule[] = [];
  for (const [functionKey, fn] of Object.entries(config.functions)) {
    let count = 0;
    for (const event of (fn.events ?? []) as Record<string, unknown>[]) {
      if (!('schedule' in event)) continue;
      const declared: ScheduleObject =
        typeof event.schedule === 'string' ? { rate: event.schedule } : (event.schedule as ScheduleObject);
      const unsupported = [
        ...(declared.inputPath === undefined ? [] : ['inputPath']),
        ...(declared.inputTransformer === undefined ? [] : ['inputTransformer']),
        // EventBridge Scheduler's time zones; rules' cron is always UTC.
        ...(declared.timezone === undefined || declared.timezone === 'UTC' ? [] : [`timezone ${declared.timezone}`]),
      ];
      if (unsupported.length) {
        throw new Error(`${functionKey}: the local platform does not run a schedule with ${unsupported.join(', ')}`);
      }
      for (const expression of [declared.rate].flat()) {
        count++;
        const schedule = parseScheduleExpression(expression);
        if (declared.enabled === false) continue;
        const ruleName =
          declared.name ?? `${functionName(config, functionKey)}-schedule${count > 1 ? `-${count}` : ''}`;
        // serverless.yml's input is an object, or a string of JSON; either way the target sends JSON.
        const input = typeof declared.input === 'string' ? (JSON.parse(declared.input) as unknown) : declared.input;
        schedules.push({ functionKey, schedule, ruleName, ...(input === undefined ? {} : { input }) });
      }
    }
  }
  return schedules;
}

/** The event a schedule rule sends a Lambda target: AWS's "Scheduled Event" (tests/fixtures/events/eventbridge-scheduled-event.json). */
export function scheduledEvent(options: { region: string; ruleName: string; time: Date; id?: string }) {
  const { region, ruleName, time } = options;
  return {
    version: '0',
    id: options.id ?? randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: localAccountId,
    // The scheduled time, to the second, as EventBridge writes it.
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${localAccountId}:rule/${ruleName}`],
    detail: {},
  };
}

/** The longest single wait: Node's timers hold at most 2^31 - 1 ms (about 24.8 days). */
const longestWaitMs = 2 ** 31 - 1;

export function startSchedules(
  context: Pick<TriggerContext<never>, 'config' | 'region' | 'intrinsics' | 'invoke' | 'destinations' | 'log'>,
  timing: AsyncTiming = {},
): RunningTriggers {
  const schedules = declaredSchedules(context.config);
  const invocations = startAsyncInvocations({ ...context, timing });
  const now = timing.now ?? Date.now;
  const sleep = timing.sleep ?? interruptibleSleep;
  const stopped = new AbortController();

  async function run({ functionKey, schedule, ruleName, input }: DeclaredSchedule): Promise<void> {
    // A rate counts from when its rule was created: here, when the stack started.
    let due = schedule.next(new Date(now()));
    while (due) {
      // Waits in steps a timer can hold, until the due time, or the stack stops.
      for (let wait = due.getTime() - now(); wait > 0; wait = due.getTime() - now()) {
        if (!(await sleep(Math.min(wait, longestWaitMs), stopped.signal))) return;
      }
      const event = input ?? scheduledEvent({ region: context.region, ruleName, time: due });
      void invocations.invoke(functionKey, event, `Schedule ${schedule.expression} → ${functionKey}`);
      // A machine that slept through firings does not make them up (nor does AWS): the next is
      // the first one still ahead.
      const missedBy = now() - due.getTime();
      due = schedule.next(missedBy > 60_000 ? new Date(now()) : due);
    }
  }

  const running = schedules.map((declared) => run(declared));
  return {
    sources: schedules.map(({ functionKey, schedule }) => `Schedule ${schedule.expression} → ${functionKey}`),
    idle: () => invocations.idle(),
    async stop() {
      stopped.abort();
      await Promise.allSettled(running);
      await invocations.stop();
    },
  };
}
