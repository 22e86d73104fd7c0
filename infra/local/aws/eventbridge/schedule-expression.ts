/**
 * EventBridge schedule expressions, evaluated as AWS evaluates them, so that a schedule fires
 * locally when it would fire deployed:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
 *
 * - `rate(value unit)`: minute(s), hour(s) or day(s); 1 takes the singular, more the plural.
 * - `cron(minutes hours day-of-month month day-of-week year)`: six fields, always in UTC; months
 *   1-12 or JAN-DEC, days of the week 1-7 or SUN-SAT with **1 = Sunday** (cron(8) and node-schedule
 *   count 0 or 7 as Sunday and 1 as Monday); one of day-of-month and day-of-week must be `?`;
 *   `,` `-` `*` `/` everywhere; `L` (last day of the month, or with a weekday, its last such day
 *   of the month, `6L`), `W` (nearest weekday, `15W`, `LW`) and `#` (`2#1`, the month's first
 *   Monday) as AWS lists them.
 *
 * Times are whole minutes: a schedule fires at second 0 of its minute (AWS: within that minute).
 */

export class ScheduleExpressionError extends Error {
  constructor(expression: string, problem: string) {
    super(`Schedule expression ${JSON.stringify(expression)}: ${problem}`);
    this.name = 'ScheduleExpressionError';
  }
}

export interface ScheduleExpression {
  readonly expression: string;
  /**
   * When the schedule fires next, strictly after `after`, or undefined when it never fires again
   * (a cron whose years are past). A rate fires one period after the time it is given: a rate
   * schedule counts from when its rule was created, then from each firing.
   */
  next(after: Date): Date | undefined;
}

const minuteMs = 60_000;
const rateUnits = { minute: minuteMs, hour: 60 * minuteMs, day: 24 * 60 * minuteMs } as const;

function parseRate(expression: string, body: string): ScheduleExpression {
  const match = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!match) throw new ScheduleExpressionError(expression, 'a rate is `rate(<value> <minute|hour|day>[s])`');
  const value = Number(match[1]);
  const unit = match[2]!;
  if (value < 1) throw new ScheduleExpressionError(expression, 'the rate must be a positive whole number');
  // AWS refuses `rate(1 minutes)` and `rate(5 minute)`.
  if ((value === 1) !== !unit.endsWith('s')) {
    throw new ScheduleExpressionError(expression, `use the ${value === 1 ? 'singular' : 'plural'} unit with ${value}`);
  }
  const period = value * rateUnits[unit.replace(/s$/, '') as keyof typeof rateUnits];
  return { expression, next: (after) => new Date(after.getTime() + period) };
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const fields = {
  minutes: { name: 'minutes', min: 0, max: 59 },
  hours: { name: 'hours', min: 0, max: 23 },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31 },
  month: {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  dayOfWeek: { name: 'day-of-week', min: 1, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
  year: { name: 'year', min: 1970, max: 2199 },
} as const satisfies Record<string, FieldSpec>;

/** The values a field allows: `*`, `5`, `1-5`, `MON-FRI`, `0/15` (from 0, every 15; `*` works as the start too), `8-17/2`, and lists of them. */
function parseValues(expression: string, text: string, field: FieldSpec): Set<number> {
  const refuse = (problem: string) => new ScheduleExpressionError(expression, `${field.name} ${problem}`);
  const value = (token: string): number => {
    const named = field.names?.indexOf(token.toUpperCase()) ?? -1;
    if (named >= 0) return field.min + named;
    if (!/^\d+$/.test(token)) throw refuse(`has ${JSON.stringify(token)}, not a value`);
    const number = Number(token);
    if (number < field.min || number > field.max) throw refuse(`${number} is outside ${field.min}-${field.max}`);
    return number;
  };
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range = '', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || (stepText !== undefined && !/^\d+$/.test(stepText))) {
      throw refuse(`has an increment ${JSON.stringify(stepText)} that is not a positive number`);
    }
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [field.min, field.max];
    else if (range.includes('-')) {
      const [low = '', high = ''] = range.split('-');
      [from, to] = [value(low), value(high)];
      // A range may wrap round the end (FRI-MON, 22-2), as Quartz-style cron allows.
      if (to < from) to += field.max - field.min + 1;
    } else {
      from = value(range);
      // `5/15`: from 5, every 15, to the end of the field.
      to = stepText === undefined ? from : field.max;
    }
    const span = field.max - field.min + 1;
    for (let v = from; v <= to; v += step) values.add(v > field.max ? v - span : v);
  }
  return values;
}

type DayRule = (year: number, month: number, day: number) => boolean;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** 1 = Sunday … 7 = Saturday, as AWS numbers them. */
const weekday = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;

/** The weekday (Monday-Friday) nearest to `day` in its month, never crossing into another month. */
function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysIn(year, month);
  const target = Math.min(day, last);
  const dow = weekday(year, month, target);
  if (dow === 7) return target === 1 ? 3 : target - 1; // Saturday: Friday, or Monday the 3rd
  if (dow === 1) return target === last ? target - 2 : target + 1; // Sunday: Monday, or Friday
  return target;
}

function parseDayOfMonth(expression: string, text: string): DayRule {
  if (text === 'L') return (y, m, d) => d === daysIn(y, m);
  if (text === 'LW') return (y, m, d) => d === nearestWeekday(y, m, daysIn(y, m));
  const nearest = /^(\d+)W$/.exec(text);
  if (nearest) {
    const [day] = parseValues(expression, nearest[1]!, fields.dayOfMonth);
    return (y, m, d) => d === nearestWeekday(y, m, day!);
  }
  const days = parseValues(expression, text, fields.dayOfMonth);
  return (_y, _m, d) => days.has(d);
}

function parseDayOfWeek(expression: string, text: string): DayRule {
  // `L` alone is the week's last day, Saturday.
  if (text === 'L') return (y, m, d) => weekday(y, m, d) === 7;
  const last = /^(\w+)L$/.exec(text);
  if (last) {
    const [dow] = parseValues(expression, last[1]!, fields.dayOfWeek);
    return (y, m, d) => weekday(y, m, d) === dow && d + 7 > daysIn(y, m);
  }
  const nth = /^(\w+)#(\d)$/.exec(text);
  if (nth) {
    const [dow] = parseValues(expression, nth[1]!, fields.dayOfWeek);
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw new ScheduleExpressionError(expression, `day-of-week #${n} must be 1-5`);
    return (y, m, d) => weekday(y, m, d) === dow && Math.ceil(d / 7) === n;
  }
  const days = parseValues(expression, text, fields.dayOfWeek);
  return (y, m, d) => days.has(weekday(y, m, d));
}

function parseCron(expression: string, body: string): ScheduleExpression {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new ScheduleExpressionError(
      expression,
      `a cron has six fields (minutes hours day-of-month month day-of-week year), this has ${parts.length}`,
    );
  }
  const [minutesText, hoursText, domText, monthText, dowText, yearText] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  // AWS: a value or * in one of the day fields needs ? in the other.
  if ((domText === '?') === (dowText === '?')) {
    throw new ScheduleExpressionError(expression, 'exactly one of day-of-month and day-of-week must be ?');
  }
  const minutes = parseValues(expression, minutesText, fields.minutes);
  const hours = parseValues(expression, hoursText, fields.hours);
  const months = parseValues(expression, monthText, fields.month);
  const years = parseValues(expression, yearText, fields.year);
  const dayMatches = domText === '?' ? parseDayOfWeek(expression, dowText) : parseDayOfMonth(expression, domText);

  return {
    expression,
    next(after) {
      // The next whole minute after `after`, then forward field by field, biggest first: a
      // mismatch skips to the start of the next year, month, day or hour.
      let t = new Date(Math.floor(after.getTime() / minuteMs) * minuteMs + minuteMs);
      for (;;) {
        const year = t.getUTCFullYear();
        if (year > fields.year.max) return undefined;
        const month = t.getUTCMonth() + 1;
        const day = t.getUTCDate();
        if (!years.has(year)) t = new Date(Date.UTC(year + 1, 0, 1));
        else if (!months.has(month)) t = new Date(Date.UTC(year, month, 1));
        else if (!dayMatches(year, month, day)) t = new Date(Date.UTC(year, month - 1, day + 1));
        else if (!hours.has(t.getUTCHours())) t = new Date(Date.UTC(year, month - 1, day, t.getUTCHours() + 1));
        else if (!minutes.has(t.getUTCMinutes())) t = new Date(t.getTime() + minuteMs);
        else return t;
      }
    },
  };
}

export function parseScheduleExpression(expression: string): ScheduleExpression {
  const match = /^(rate|cron)\((.*)\)$/.exec(expression.trim());
  if (!match) throw new ScheduleExpressionError(expression, 'expected rate(...) or cron(...)');
  return match[1] === 'rate' ? parseRate(expression, match[2]!.trim()) : parseCron(expression, match[2]!);
}
