// EventBridge schedule expressions as AWS evaluates them (infra/local/aws/eventbridge/schedule-expression.ts):
// UTC, 1 = Sunday, ? L W #. The expected times are worked out by hand from a calendar.
import {
  parseScheduleExpression,
  ScheduleExpressionError,
} from '../../../infra/local/aws/eventbridge/schedule-expression';

const at = (iso: string) => new Date(iso);

/** The next `count` firings after `from`. */
function firings(expression: string, from: string, count = 3): string[] {
  const schedule = parseScheduleExpression(expression);
  const times: string[] = [];
  let after: Date | undefined = at(from);
  for (let i = 0; i < count && after; i++) {
    after = schedule.next(after);
    if (after) times.push(after.toISOString());
  }
  return times;
}

describe('rate expressions', () => {
  it('fire one period after the time given, each period after that', () => {
    expect(firings('rate(1 minute)', '2026-12-03T10:00:30.000Z', 2)).toEqual([
      '2026-12-03T10:01:30.000Z',
      '2026-12-03T10:02:30.000Z',
    ]);
    expect(firings('rate(2 hours)', '2026-12-03T23:00:00.000Z', 1)).toEqual(['2026-12-04T01:00:00.000Z']);
    expect(firings('rate(7 days)', '2026-12-03T00:00:00.000Z', 1)).toEqual(['2026-12-10T00:00:00.000Z']);
  });

  it.each([
    ['rate(1 minutes)', /singular/],
    ['rate(5 minute)', /plural/],
    ['rate(0 minutes)', /positive/],
    ['rate(5 seconds)', /rate\(<value>/],
    ['rate(five minutes)', /rate\(<value>/],
  ])('refuses %s', (expression, problem) => {
    expect(() => parseScheduleExpression(expression)).toThrow(problem);
  });
});

describe('cron expressions', () => {
  it('fire at the whole minute, in UTC', () => {
    // The sales report: 02:00 UTC every day.
    expect(firings('cron(0 2 * * ? *)', '2026-12-03T01:59:59.999Z')).toEqual([
      '2026-12-03T02:00:00.000Z',
      '2026-12-04T02:00:00.000Z',
      '2026-12-05T02:00:00.000Z',
    ]);
    // Strictly after: a schedule at its own firing time goes on to the next one.
    expect(firings('cron(0 2 * * ? *)', '2026-12-03T02:00:00.000Z', 1)).toEqual(['2026-12-04T02:00:00.000Z']);
  });

  it('count the days of the week from 1 = Sunday, not Monday', () => {
    // 2026-12-06 is a Sunday, 2026-12-07 a Monday.
    expect(firings('cron(0 9 ? * 1 *)', '2026-12-03T00:00:00Z', 2)).toEqual([
      '2026-12-06T09:00:00.000Z',
      '2026-12-13T09:00:00.000Z',
    ]);
    expect(firings('cron(0 9 ? * MON *)', '2026-12-03T00:00:00Z', 1)).toEqual(['2026-12-07T09:00:00.000Z']);
    // AWS's own example: 18:00 Monday to Friday.
    expect(firings('cron(0 18 ? * MON-FRI *)', '2026-12-04T18:00:00Z', 2)).toEqual([
      '2026-12-07T18:00:00.000Z',
      '2026-12-08T18:00:00.000Z',
    ]);
    expect(firings('cron(0 18 ? * 2-6 *)', '2026-12-04T18:00:00Z', 1)).toEqual(['2026-12-07T18:00:00.000Z']);
  });

  it('take increments, lists and named months', () => {
    // AWS's example: every 10 minutes, Monday to Friday.
    expect(firings('cron(0/10 * ? * MON-FRI *)', '2026-12-04T23:45:00Z', 3)).toEqual([
      '2026-12-04T23:50:00.000Z',
      '2026-12-07T00:00:00.000Z',
      '2026-12-07T00:10:00.000Z',
    ]);
    expect(firings('cron(5/20 8-10 * * ? *)', '2026-12-03T08:46:00Z', 3)).toEqual([
      '2026-12-03T09:05:00.000Z',
      '2026-12-03T09:25:00.000Z',
      '2026-12-03T09:45:00.000Z',
    ]);
    expect(firings('cron(15 12 1 JAN,JUL ? *)', '2026-12-03T00:00:00Z', 2)).toEqual([
      '2027-01-01T12:15:00.000Z',
      '2027-07-01T12:15:00.000Z',
    ]);
  });

  it('L is the last day of the month (and of the week), nL the last such weekday', () => {
    expect(firings('cron(0 0 L * ? *)', '2027-01-31T00:00:00Z', 3)).toEqual([
      '2027-02-28T00:00:00.000Z',
      '2027-03-31T00:00:00.000Z',
      '2027-04-30T00:00:00.000Z',
    ]);
    expect(firings('cron(0 0 L 2 ? 2028)', '2027-01-01T00:00:00Z', 1)).toEqual(['2028-02-29T00:00:00.000Z']);
    // The last Friday (6) of December 2026 is the 25th, of January 2027 the 29th.
    expect(firings('cron(0 0 ? * 6L *)', '2026-12-03T00:00:00Z', 2)).toEqual([
      '2026-12-25T00:00:00.000Z',
      '2027-01-29T00:00:00.000Z',
    ]);
    // L alone in day-of-week: Saturday.
    expect(firings('cron(0 0 ? * L *)', '2026-12-03T00:00:00Z', 1)).toEqual(['2026-12-05T00:00:00.000Z']);
  });

  it('W is the nearest weekday within the month; # the nth weekday of the month', () => {
    // 2027-05-15 is a Saturday → Friday the 14th; 2027-08-01 a Sunday → Monday the 2nd.
    expect(firings('cron(0 0 15W 5 ? *)', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-05-14T00:00:00.000Z']);
    expect(firings('cron(0 0 1W 8 ? *)', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-08-02T00:00:00.000Z']);
    // LW: the last weekday; 2027-10-31 is a Sunday → Friday the 29th.
    expect(firings('cron(0 0 LW 10 ? *)', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-10-29T00:00:00.000Z']);
    // 2#1: the first Monday; in December 2026 the 7th, January 2027 the 4th.
    expect(firings('cron(0 0 ? * 2#1 *)', '2026-12-03T00:00:00Z', 2)).toEqual([
      '2026-12-07T00:00:00.000Z',
      '2027-01-04T00:00:00.000Z',
    ]);
  });

  it('stop when their years are over, and skip days a month does not have', () => {
    expect(firings('cron(0 0 1 1 ? 2027)', '2026-12-03T00:00:00Z', 3)).toEqual(['2027-01-01T00:00:00.000Z']);
    expect(firings('cron(0 0 31 * ? *)', '2027-01-31T00:00:00Z', 2)).toEqual([
      '2027-03-31T00:00:00.000Z',
      '2027-05-31T00:00:00.000Z',
    ]);
    expect(firings('cron(0 0 30 2 ? *)', '2026-12-03T00:00:00Z', 1)).toEqual([]);
  });

  it.each([
    ['cron(0 2 * * *)', /six fields/],
    ['cron(0 2 * * * *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 2 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(60 2 * * ? *)', /minutes 60 is outside 0-59/],
    ['cron(0 24 * * ? *)', /hours 24 is outside 0-23/],
    ['cron(0 0 ? * 0 *)', /day-of-week 0 is outside 1-7/],
    ['cron(0 0 * 13 ? *)', /month 13 is outside 1-12/],
    ['cron(0 0 * FOO ? *)', /month has "FOO"/],
    ['cron(0/0 0 * * ? *)', /increment/],
    ['cron(0 0 ? * 2#6 *)', /#6 must be 1-5/],
    ['every day', /expected rate\(...\) or cron\(...\)/],
  ])('refuses %s with a message naming the problem', (expression, problem) => {
    expect(() => parseScheduleExpression(expression)).toThrow(ScheduleExpressionError);
    expect(() => parseScheduleExpression(expression)).toThrow(problem);
  });
});
