// The operations report over fake ports: each check within its own deadline, a failed check
// reported with why while the others still stand, and the workflows section honest about a stack
// with no state machine.
import type { OperationsPorts, QueueCounts } from '../../../shared/ops/operations-ports';
import { healthReport, withDeadline } from '../../../shared/ops/operations-report';
import { noStateMachineDeclared } from '../../../shared/ops/workflow-failures';

const queue = (name: string, visible: number, deadLetterTargetArn?: string): QueueCounts => ({
  name,
  arn: `arn:aws:sqs:us-east-1:123456789012:${name}`,
  visible,
  inFlight: 0,
  delayed: 0,
  ...(deadLetterTargetArn ? { deadLetterTargetArn } : {}),
});

function ports(overrides: Partial<OperationsPorts> = {}): OperationsPorts {
  return {
    schema: { schemaStatus: () => Promise.resolve({ applied: 7, pending: [], changed: [], unknown: [] }) },
    queues: { queues: () => Promise.resolve([queue('shelf-test-imports', 4)]) },
    ages: { oldestMessageAges: () => Promise.resolve({ available: true, source: 'test', seconds: new Map() }) },
    workflows: noStateMachineDeclared,
    ...overrides,
  };
}

const never = <T>(signal: AbortSignal) =>
  new Promise<T>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));

describe('withDeadline', () => {
  it('rejects at the deadline and aborts the work’s signal', async () => {
    let seen: AbortSignal | undefined;

    await expect(withDeadline((signal) => ((seen = signal), never(signal)), 20)).rejects.toThrow(
      'no answer within 20 ms',
    );
    expect(seen?.aborted).toBe(true);
  });

  it('gives the work’s answer when it comes in time', async () => {
    await expect(withDeadline(() => Promise.resolve(42), 1000)).resolves.toBe(42);
  });
});

describe('the health report', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('reports a database that does not answer as unreachable after 4 s, with the queues still counted', async () => {
    const report = healthReport(ports({ schema: { schemaStatus: (signal) => never(signal) } }));

    await jest.advanceTimersByTimeAsync(4000);

    await expect(report).resolves.toMatchObject({
      healthy: false,
      problems: ['database unreachable: no answer within 4000 ms'],
      database: { reachable: false },
      queues: { readable: true, queues: [{ name: 'shelf-test-imports', visible: 4 }] },
    });
  });

  it('is unhealthy when the queues cannot be read', async () => {
    const report = await healthReport(
      ports({ queues: { queues: () => Promise.reject(new Error('connect ETIMEDOUT')) } }),
    );

    expect(report).toMatchObject({
      healthy: false,
      problems: ['queues unreadable: connect ETIMEDOUT'],
      queues: { readable: false, error: 'connect ETIMEDOUT' },
    });
  });

  it('counts dead letters in the queues another queue’s redrive policy names, as a warning', async () => {
    const dlqArn = 'arn:aws:sqs:us-east-1:123456789012:shelf-test-imports-dlq';
    const report = await healthReport(
      ports({
        queues: {
          queues: () => Promise.resolve([queue('shelf-test-imports', 0, dlqArn), queue('shelf-test-imports-dlq', 3)]),
        },
      }),
    );

    expect(report.healthy).toBe(true);
    expect(report.warnings).toEqual(['3 message(s) in the dead-letter queue shelf-test-imports-dlq']);
    expect(report.queues).toMatchObject({ deadLetterMessages: 3 });
  });

  it('says no state machine is declared instead of counting zero failures, and warns about failures once there are some', async () => {
    const none = await healthReport(ports());
    const failing = await healthReport(
      ports({
        workflows: {
          failuresSince: () =>
            Promise.resolve({
              declared: true,
              failedInLastHour: 2,
              stateMachines: [{ arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:x', failed: 2 }],
            }),
        },
      }),
    );

    expect(none.workflows).toEqual({
      declared: false,
      failedInLastHour: null,
      reason: 'no Step Functions state machine is declared in this stack',
    });
    expect(none.warnings).toEqual([]);
    expect(failing.warnings).toEqual(['2 workflow execution(s) failed in the last hour']);
    expect(failing.healthy).toBe(true);
  });

  it('warns, still healthy, when state machines exist but their failures cannot be counted', async () => {
    const report = await healthReport(
      ports({
        workflows: {
          failuresSince: () =>
            Promise.resolve({ declared: true, failedInLastHour: null, reason: 'no CloudWatch metrics on this stage' }),
        },
      }),
    );

    expect(report.healthy).toBe(true);
    expect(report.warnings).toEqual(['workflow failures unavailable: no CloudWatch metrics on this stage']);
  });

  it('flags migrations this code does not ship as a warning (a rolled-back deploy), not a failure', async () => {
    const report = await healthReport(
      ports({
        schema: {
          schemaStatus: () => Promise.resolve({ applied: 8, pending: [], changed: [], unknown: ['008-next.sql'] }),
        },
      }),
    );

    expect(report).toMatchObject({ healthy: true, database: { migrated: true, unknown: ['008-next.sql'] } });
    expect(report.warnings).toEqual(['the database has migrations this code does not ship: 008-next.sql']);
  });
});
