// The platform's schedules (infra/local/aws/eventbridge/schedules.ts) on a virtual clock, so a
// day of firings takes no time. Checked: when each schedule fires (UTC, AWS's
// day numbering), the event it sends (AWS's Scheduled Event, or the declared input), the async-invoke
// core's retries and on-failure destination, and what the platform refuses to run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { declaredSchedules, startSchedules } from '../../../../infra/local/aws/eventbridge/schedules';
import type { Invocation } from '../../../../infra/local/lambda/invoke';
import { localIntrinsics, type LocalResource } from '../../../../infra/local/local-resources';
import type { FunctionConfig, ServiceConfig } from '../../../../infra/service-config';
import { recordingDestinations, type Delivered } from '../lambda/recording-destinations';

const failuresArn = 'arn:aws:sqs:us-east-1:000000000000:shelf-local-report-failures';

function serviceConfig(functions: Record<string, Partial<FunctionConfig>>): ServiceConfig {
  return {
    service: 'shelf',
    provider: { region: 'us-east-1', stage: 'local' },
    functions: Object.fromEntries(
      Object.entries(functions).map(([key, fn]) => [key, { handler: `x.${key}`, name: `shelf-local-${key}`, ...fn }]),
    ),
    resources: { Resources: {} },
  };
}

interface Fired {
  functionKey: string;
  event: Record<string, unknown>;
  at: string;
}

/**
 * A virtual clock: every sleep is a timer on one timeline, and time jumps to the earliest timer
 * once everything else has run, so concurrent waits (a schedule's, a retry's) wake in their order.
 */
function virtualClock(start: string) {
  const clock = { now: Date.parse(start) };
  const timers: { at: number; wake: (done: boolean) => void }[] = [];
  const sleep = (ms: number, signal: AbortSignal) =>
    new Promise<boolean>((resolve) => {
      if (signal.aborted) return resolve(false);
      const timer = { at: clock.now + ms, wake: resolve };
      timers.push(timer);
      signal.addEventListener('abort', () => {
        timers.splice(timers.indexOf(timer), 1);
        resolve(false);
      });
    });
  let running = true;
  const driving = (async () => {
    while (running) {
      await new Promise((resolve) => setImmediate(resolve));
      timers.sort((a, b) => a.at - b.at);
      const next = timers.shift();
      if (!next) continue;
      clock.now = Math.max(clock.now, next.at);
      next.wake(true);
    }
  })();
  return {
    clock,
    sleep,
    stop: () => {
      running = false;
      return driving;
    },
  };
}

/** Runs the schedules from `start` until `count` invocations have happened; returns them. */
async function fire(config: ServiceConfig, start: string, count: number, answers: Invocation[] = []) {
  const { clock, sleep, stop } = virtualClock(start);
  const fired: Fired[] = [];
  const delivered: Delivered[] = [];
  const resources = new Map<string, LocalResource>([
    ['ReportFailuresQueue', { type: 'AWS::SQS::Queue', ref: 'http://q/failures', arn: failuresArn }],
  ]);
  let enough: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (enough = resolve));
  const running = startSchedules(
    {
      config,
      region: 'us-east-1',
      intrinsics: localIntrinsics(config, resources),
      destinations: recordingDestinations(delivered),
      log: () => undefined,
      invoke: (functionKey, event) => {
        fired.push({ functionKey, event: event as Record<string, unknown>, at: new Date(clock.now).toISOString() });
        if (fired.length >= count) enough();
        return Promise.resolve(answers.shift() ?? { status: 200, payload: null });
      },
    },
    { now: () => clock.now, sleep, retryDelayMs: 60_000 },
  );
  await done;
  await running.idle();
  await running.stop();
  await stop();
  return { fired, delivered, sources: running.sources };
}

describe('local schedules', () => {
  it('fire a cron at its UTC minute, counting the days of the week from 1 = Sunday', async () => {
    // 2026-12-06 and 2026-12-13 are Sundays.
    const config = serviceConfig({ weeklyReport: { events: [{ schedule: 'cron(30 2 ? * 1 *)' }] } });

    const { fired, sources } = await fire(config, '2026-12-03T10:00:00Z', 2);

    expect(sources).toEqual(['Schedule cron(30 2 ? * 1 *) → weeklyReport']);
    expect(fired.map((f) => f.at)).toEqual(['2026-12-06T02:30:00.000Z', '2026-12-13T02:30:00.000Z']);
  });

  it('send AWS Scheduled Event, stamped with the scheduled time and naming the rule', async () => {
    const config = serviceConfig({ projectCatalog: { events: [{ schedule: 'rate(1 minute)' }] } });

    const { fired } = await fire(config, '2026-12-03T10:00:00Z', 1);

    const sample = JSON.parse(
      readFileSync(join(__dirname, '../../../fixtures/events/eventbridge-scheduled-event.json'), 'utf8'),
    ) as Record<string, unknown>;
    const [{ event, at }] = fired as [Fired];
    expect(Object.keys(event).sort()).toEqual(Object.keys(sample).sort());
    expect(event).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-12-03T10:01:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/shelf-local-projectCatalog-schedule'],
      detail: {},
    });
    expect(at).toBe('2026-12-03T10:01:00.000Z');
  });

  it("send the schedule's input instead when it declares one, and skip a disabled schedule", async () => {
    const config = serviceConfig({
      snapshot: {
        events: [
          { schedule: { rate: ['cron(0 3 * * ? *)'], input: { retentionDays: 7 } } },
          { schedule: { rate: ['rate(1 minute)'], enabled: false } },
          { schedule: { rate: ['cron(0 4 * * ? *)'], input: '{"copyTo":"eu-west-1"}' } },
        ],
      },
    });

    const { fired } = await fire(config, '2026-12-03T00:00:00Z', 2);

    expect(fired.map(({ at, event }) => [at, event])).toEqual([
      ['2026-12-03T03:00:00.000Z', { retentionDays: 7 }],
      ['2026-12-03T04:00:00.000Z', { copyTo: 'eu-west-1' }],
    ]);
  });

  it("retry a failed run as an asynchronous invocation, then hand it to the function's on-failure destination", async () => {
    const failure: Invocation = {
      status: 200,
      functionError: 'Unhandled',
      payload: { errorMessage: 'database unreachable', errorType: 'Error', trace: [] },
    };
    const config = serviceConfig({
      buildSalesReport: {
        events: [{ schedule: 'cron(0 2 * * ? *)' }],
        maximumRetryAttempts: 1,
        destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['ReportFailuresQueue', 'Arn'] } } },
      },
    });

    const { fired, delivered } = await fire(config, '2026-12-03T00:00:00Z', 2, [failure, failure]);

    // The first try at 02:00, the retry a (local) back-off later; the same event both times.
    expect(fired.map((f) => f.at)).toEqual(['2026-12-03T02:00:00.000Z', '2026-12-03T02:01:00.000Z']);
    expect(fired[1]!.event).toEqual(fired[0]!.event);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.arn).toBe(failuresArn);
    expect(JSON.parse(delivered[0]!.message.body)).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2 },
      requestPayload: fired[0]!.event,
    });
  });

  it.each([
    [{ schedule: 'cron(0 2 * * *)' }, /six fields/],
    [{ schedule: { rate: ['cron(0 2 * * ? *)'], inputPath: '$.detail' } }, /does not run a schedule with inputPath/],
    [
      { schedule: { rate: ['cron(0 2 * * ? *)'], method: 'scheduler', timezone: 'Europe/Paris' } },
      /timezone Europe\/Paris/,
    ],
  ])('refuse, naming the function, a schedule they cannot run as AWS would (%j)', (event, problem) => {
    const config = serviceConfig({ report: { events: [event] } });
    expect(() => declaredSchedules(config)).toThrow(problem);
  });
});
