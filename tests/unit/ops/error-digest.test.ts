// The error digest's domain: which lines are errors and what they are called, the grouping, the
// digest's text, and the throttle's protocol (a fake throttle and publisher: no AWS).
import {
  digestAlert,
  digestErrors,
  errorName,
  groupErrors,
  logGroupUrl,
  type Alert,
  type DigestThrottle,
  type ErrorCount,
  type LogEvent,
} from '../../../shared/ops/error-digest';

const logGroup = '/aws/lambda/shelf-test-placeOrder';
const at = (second: number) => Date.UTC(2026, 11, 3, 7, 0, second);
const powertools = (level: string, message: string, extra: object = {}) =>
  JSON.stringify({ level, message, timestamp: '2026-12-03T07:00:00.000Z', service: 'shelf', ...extra });
const events = (...messages: string[]): LogEvent[] =>
  messages.map((message, i) => ({ id: String(i), timestamp: at(i), message }));

describe('errorName', () => {
  it.each([
    [powertools('ERROR', 'Unhandled error', { error: { name: 'TypeError', message: 'x is undefined' } }), 'TypeError'],
    [powertools('ERROR', 'Event is not an HTTP API payload 2.0 event'), 'Event is not an HTTP API payload 2.0 event'],
    [powertools('CRITICAL', 'Out of stock table'), 'Out of stock table'],
    [
      '2026-12-03T07:00:00.000Z\t3eeb55af-aece-424e-9468-cb7820fe2526\tERROR\tInvoke Error \t{"errorType":"SyntaxError","errorMessage":"Unexpected token"}',
      'SyntaxError',
    ],
    [
      '2026-12-03T07:00:10.012Z 3eeb55af-aece-424e-9468-cb7820fe2526 Task timed out after 10.01 seconds',
      'Task timed out',
    ],
    ['RequestId: 3eeb55af Error: Runtime exited with error: signal: killed', 'Runtime.ExitError'],
    ["ERROR\tUnhandled exception in handler 'placeOrder'.", 'Error'],
    ['[ERROR] First test message', 'Error'],
  ])('names the error of %s', (line, name) => {
    expect(errorName(line)).toBe(name);
  });

  it.each([
    [powertools('INFO', 'no ERROR here but the word')],
    [powertools('WARN', 'Task timed out after 3 seconds, retrying')],
    ['REPORT RequestId: 3eeb55af\tDuration: 10.00 ms\tBilled Duration: 10 ms'],
    ['TERRORS are no errors'],
  ])('finds no error in %s (the filter is coarse; this is the exact test)', (line) => {
    expect(errorName(line)).toBeUndefined();
  });
});

describe('groupErrors', () => {
  it('counts the error lines by name, most frequent first, with the first and last time and the first line', () => {
    const typeError = powertools('ERROR', 'Unhandled error', { error: { name: 'TypeError' } });
    const groups = groupErrors(
      logGroup,
      events(
        powertools('INFO', 'Placing order'),
        typeError,
        powertools('ERROR', 'Stock not reserved'),
        typeError,
        powertools('INFO', 'no ERROR'),
      ),
    );

    expect(groups).toEqual([
      {
        source: 'shelf-test-placeOrder',
        logGroup,
        count: 3,
        firstAt: at(1),
        lastAt: at(3),
        byName: [
          ['TypeError', 2],
          ['Stock not reserved', 1],
        ],
        sample: typeError,
      },
    ]);
  });

  it('has no group for a delivery without an error line', () => {
    expect(groupErrors(logGroup, events(powertools('INFO', 'ERROR in a message')))).toEqual([]);
  });

  it('names a log group that is not a function’s by itself (AWS’s sample event)', () => {
    expect(groupErrors('testLogGroup', events('[ERROR] First test message'))[0]!.source).toBe('testLogGroup');
  });
});

describe('digestAlert', () => {
  const [group] = groupErrors(
    logGroup,
    events(powertools('ERROR', 'Stock not reserved'), powertools('ERROR', 'Stock not reserved')),
  );

  it('says how many errors of which names, when, a sample line, and links the log group', () => {
    const { subject, message } = digestAlert(group!, undefined, 'eu-west-1', at(30));

    expect(subject).toBe('Shelf: 2 errors in shelf-test-placeOrder');
    expect(message.split('\n')).toEqual([
      '2 errors in shelf-test-placeOrder, from 2026-12-03T07:00:00.000Z to 2026-12-03T07:00:01.000Z:',
      '  2 × Stock not reserved',
      '',
      'First line:',
      powertools('ERROR', 'Stock not reserved'),
      '',
      'Log group: https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Fshelf-test-placeOrder',
      'Errors until 2026-12-03T07:05:30.000Z are held and counted in the next digest.',
    ]);
  });

  it('adds what was held since the last digest to the count', () => {
    const held: ErrorCount = { count: 7, firstAt: at(-200), lastAt: at(-10) };
    const { subject, message } = digestAlert(group!, held, 'eu-west-1', at(30));

    expect(subject).toBe('Shelf: 9 errors in shelf-test-placeOrder');
    expect(message).toContain(
      'Held since the last digest (at most one per function every 5 minutes): 7 errors, from 2026-12-03T06:56:40.000Z to 2026-12-03T06:59:50.000Z.',
    );
  });

  it('keeps the subject under the 100 characters SNS accepts, in ASCII', () => {
    const long = { ...group!, source: `shelf-test-${'x'.repeat(120)}` };
    const { subject } = digestAlert(long, undefined, 'eu-west-1', at(0));
    expect(subject).toBe(`Shelf: 2 errors in shelf-test-${'x'.repeat(66)}...`);
    expect(subject).toHaveLength(99);
  });

  it('stays within the 256 KB SNS accepts in an error storm of distinct messages and huge error types', () => {
    // A batch of CloudWatch Logs holds up to ~1 MB: 10,000 lines, each an error of a name of its own.
    const storm = events(
      ...Array.from({ length: 9_999 }, (_, i) =>
        powertools('ERROR', `Order ${i} could not be reserved: ${'x'.repeat(40)}`),
      ),
      `ERROR\tInvoke Error \t{"errorType":"${'T'.repeat(200_000)}","errorMessage":"m"}`,
    );
    const [big] = groupErrors(logGroup, storm);
    const { message } = digestAlert(big!, undefined, 'eu-west-1', at(30));

    expect(Buffer.byteLength(message)).toBeLessThan(16 * 1024);
    const lines = message.split('\n');
    expect(lines[0]).toMatch(/^10000 errors in shelf-test-placeOrder/);
    // The most frequent names, then how many more there are.
    expect(lines.filter((line) => line.startsWith('  1 × '))).toHaveLength(20);
    expect(lines).toContain('  … and 9980 more errors of 9980 other names');
    expect(lines.every((line) => line.length <= 1000 || line.startsWith('Log group: '))).toBe(true);
    expect(errorName(storm.at(-1)!.message)).toBe('T'.repeat(80));
  });

  it('links a log group name with any character escaped as the console expects', () => {
    expect(logGroupUrl('us-east-1', '/aws/lambda/a b')).toMatch(/log-group\/\$252Faws\$252Flambda\$252Fa\$2520b$/);
  });
});

describe('digestErrors', () => {
  /** A throttle with one slot per source, in memory, as the DynamoDB one behaves. */
  function memoryThrottle() {
    const slots = new Map<string, { sentAt?: number; held?: ErrorCount }>();
    const add = (a?: ErrorCount, b?: ErrorCount) =>
      a && b
        ? { count: a.count + b.count, firstAt: Math.min(a.firstAt, b.firstAt), lastAt: Math.max(a.lastAt, b.lastAt) }
        : (a ?? b);
    const throttle: DigestThrottle = {
      claim(source, now, notBefore) {
        const slot = slots.get(source) ?? {};
        if (slot.sentAt !== undefined && slot.sentAt > notBefore) return Promise.resolve(false);
        slots.set(source, { sentAt: now });
        return Promise.resolve(slot.held ? { held: slot.held } : {});
      },
      hold(source, errors) {
        const slot = slots.get(source) ?? {};
        slots.set(source, { ...slot, held: add(slot.held, errors) });
        return Promise.resolve();
      },
      release(source, held) {
        const slot = slots.get(source) ?? {};
        slots.set(source, { held: add(slot.held, held) });
        return Promise.resolve();
      },
    };
    return { throttle, slots };
  }

  function setUp() {
    const { throttle, slots } = memoryThrottle();
    const sent: Alert[] = [];
    const alerts = { publish: jest.fn((alert: Alert) => (sent.push(alert), Promise.resolve())) };
    return { deps: { throttle, alerts, region: 'us-east-1' }, sent, slots, alerts };
  }
  const failure = events(powertools('ERROR', 'Stock not reserved'));

  it('sends one digest, then holds the errors of the next five minutes and reports them in the digest after', async () => {
    const { deps, sent } = setUp();

    expect(await digestErrors(deps, logGroup, failure, at(0))).toEqual([
      { source: 'shelf-test-placeOrder', errors: 1, outcome: 'sent' },
    ]);
    expect(await digestErrors(deps, logGroup, [...failure, ...failure], at(60))).toEqual([
      { source: 'shelf-test-placeOrder', errors: 2, outcome: 'held' },
    ]);
    expect(await digestErrors(deps, logGroup, failure, at(299))).toMatchObject([{ outcome: 'held' }]);
    expect(sent).toHaveLength(1);

    expect(await digestErrors(deps, logGroup, failure, at(300))).toMatchObject([{ outcome: 'sent' }]);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.subject).toBe('Shelf: 4 errors in shelf-test-placeOrder');
    expect(sent[1]!.message).toContain(
      'Held since the last digest (at most one per function every 5 minutes): 3 errors',
    );
  });

  it('throttles each function on its own', async () => {
    const { deps, sent } = setUp();

    await digestErrors(deps, logGroup, failure, at(0));
    await digestErrors(deps, '/aws/lambda/shelf-test-getOrder', failure, at(1));

    expect(sent.map((alert) => alert.subject)).toEqual([
      'Shelf: 1 error in shelf-test-placeOrder',
      'Shelf: 1 error in shelf-test-getOrder',
    ]);
  });

  it('sends nothing and takes no slot for a delivery without an error line', async () => {
    const { deps, sent, slots } = setUp();

    expect(await digestErrors(deps, logGroup, events(powertools('INFO', 'ERROR word')), at(0))).toEqual([]);
    expect(sent).toEqual([]);
    expect(slots.size).toBe(0);
  });

  it('gives the slot back with what it held when the digest cannot be published, so the retry sends it', async () => {
    const { deps, sent, alerts } = setUp();
    await digestErrors(deps, logGroup, failure, at(0));
    await digestErrors(deps, logGroup, failure, at(10));
    alerts.publish.mockRejectedValueOnce(new Error('SNS unreachable'));

    await expect(digestErrors(deps, logGroup, failure, at(400))).rejects.toThrow('SNS unreachable');
    await digestErrors(deps, logGroup, failure, at(401));

    expect(sent).toHaveLength(2);
    // The error held before, and the retried delivery's, once.
    expect(sent[1]!.subject).toBe('Shelf: 2 errors in shelf-test-placeOrder');
  });
});
