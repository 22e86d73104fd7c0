/**
 * EventBridge event patterns, matched as EventBridge matches them, so that a rule picks the same
 * events locally as deployed:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 *
 * - A pattern is a JSON object whose leaves are arrays of what may match; nested objects match
 *   nested fields. Every field the pattern names must match (AND); any value of a leaf may (OR).
 * - An event field that is an array matches when any of its elements does.
 * - Plain values match exactly (strings, numbers, booleans, null); a field the event lacks
 *   matches nothing but `{ "exists": false }`.
 * - Operators: prefix, suffix, equals-ignore-case, wildcard, anything-but (a value, a list, or a
 *   prefix, suffix, wildcard or equals-ignore-case), numeric (=, <, <=, >, >= in up to two
 *   comparisons), exists, cidr (IPv4); `$or` at any level, a list of patterns of which one must match.
 *
 * A pattern EventBridge would refuse is refused here, with a message naming the field
 * (InvalidEventPatternException on AWS).
 */

export class EventPatternError extends Error {
  constructor(path: string, problem: string) {
    super(`Event pattern${path ? ` at ${path}` : ''}: ${problem}`);
    this.name = 'EventPatternError';
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Matcher = (value: Json | undefined) => boolean;
export type EventMatcher = (event: unknown) => boolean;

const isObject = (value: unknown): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `*` matches any run of characters; `\*` a star itself. */
function wildcardRegExp(pattern: string): RegExp {
  const parts = pattern
    .split(/(?<!\\)\*/)
    .map((part) => part.replace(/\\\*/g, '*').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 's');
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function stringOperator(path: string, name: string, operand: Json): (value: string) => boolean {
  // prefix and suffix may take { "equals-ignore-case": "…" } in place of the string.
  const ignoreCase = isObject(operand) && typeof operand['equals-ignore-case'] === 'string';
  const text = ignoreCase ? (operand as Record<string, string>)['equals-ignore-case']! : operand;
  if (typeof text !== 'string') throw new EventPatternError(path, `${name} takes a string`);
  const fold = (value: string) => (ignoreCase ? value.toLowerCase() : value);
  const wanted = fold(text);
  switch (name) {
    case 'prefix':
      return (value) => fold(value).startsWith(wanted);
    case 'suffix':
      return (value) => fold(value).endsWith(wanted);
    case 'equals-ignore-case':
      return (value) => value.toLowerCase() === text.toLowerCase();
    default: {
      const regExp = wildcardRegExp(text);
      return (value) => regExp.test(value);
    }
  }
}

const numericOperators = ['=', '<', '<=', '>', '>='] as const;

function numericMatcher(path: string, operand: Json): (value: number) => boolean {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4) {
    throw new EventPatternError(path, 'numeric takes one or two comparisons, e.g. [">", 0, "<=", 5]');
  }
  const tests: ((value: number) => boolean)[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const operator = operand[i] as (typeof numericOperators)[number];
    const bound = operand[i + 1];
    if (!numericOperators.includes(operator) || typeof bound !== 'number') {
      throw new EventPatternError(
        path,
        `numeric: ${JSON.stringify(operand[i])} ${JSON.stringify(bound)} is not a comparison`,
      );
    }
    tests.push(
      {
        '=': (v: number) => v === bound,
        '<': (v: number) => v < bound,
        '<=': (v: number) => v <= bound,
        '>': (v: number) => v > bound,
        '>=': (v: number) => v >= bound,
      }[operator],
    );
  }
  return (value) => tests.every((test) => test(value));
}

function cidrMatcher(path: string, operand: Json): (value: string) => boolean {
  const match = typeof operand === 'string' ? /^([\d.]+)\/(\d{1,2})$/.exec(operand) : null;
  const base = match ? ipv4(match[1]!) : undefined;
  const bits = match ? Number(match[2]) : NaN;
  if (base === undefined || !(bits >= 0 && bits <= 32))
    throw new EventPatternError(path, 'cidr takes an IPv4 block, e.g. "10.0.0.0/24"');
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (value) => {
    const address = ipv4(value);
    return address !== undefined && (address & mask) >>> 0 === (base & mask) >>> 0;
  };
}

/** One element of a leaf array: a value, or an operator object. Undefined `value`: the event lacks the field. */
function leafMatcher(path: string, element: Json): Matcher {
  if (!isObject(element)) {
    if (Array.isArray(element)) throw new EventPatternError(path, 'a leaf array cannot hold an array');
    return (value) => value === element;
  }
  const keys = Object.keys(element);
  if (keys.length !== 1) throw new EventPatternError(path, `an operator object has one key, this has ${keys.length}`);
  const name = keys[0]!;
  const operand = element[name]!;
  const onStrings =
    (test: (value: string) => boolean): Matcher =>
    (value) =>
      typeof value === 'string' && test(value);
  switch (name) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
    case 'wildcard':
      return onStrings(stringOperator(path, name, operand));
    case 'numeric': {
      const test = numericMatcher(path, operand);
      return (value) => typeof value === 'number' && test(value);
    }
    case 'cidr':
      return onStrings(cidrMatcher(path, operand));
    case 'exists':
      if (typeof operand !== 'boolean') throw new EventPatternError(path, 'exists takes true or false');
      // Decided by matchField, which sees whether the field is there at all.
      return (value) => (value !== undefined) === operand;
    case 'anything-but': {
      let excluded: Matcher;
      if (isObject(operand)) {
        const [inner] = Object.keys(operand);
        if (!inner || !['prefix', 'suffix', 'wildcard', 'equals-ignore-case'].includes(inner)) {
          throw new EventPatternError(
            path,
            'anything-but takes a value, a list, or prefix, suffix, wildcard or equals-ignore-case',
          );
        }
        excluded = onStrings(stringOperator(path, inner, operand[inner]!));
      } else {
        const values = Array.isArray(operand) ? operand : [operand];
        if (values.some((v) => isObject(v) || Array.isArray(v))) {
          throw new EventPatternError(path, 'anything-but lists plain values');
        }
        excluded = (value) => values.includes(value as Json);
      }
      // A field the event lacks is not "anything but": it matches nothing.
      return (value) => value !== undefined && !excluded(value);
    }
    default:
      throw new EventPatternError(path, `unknown operator ${JSON.stringify(name)}`);
  }
}

function objectMatcher(path: string, pattern: Record<string, Json>): (object: Json | undefined) => boolean {
  const checks: ((object: Record<string, Json> | undefined) => boolean)[] = [];
  for (const [key, sub] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2 || !sub.every(isObject)) {
        throw new EventPatternError(at, '$or takes a list of at least two patterns');
      }
      const alternatives = sub.map((alternative, i) => objectMatcher(`${at}[${i}]`, alternative));
      checks.push((object) => alternatives.some((alternative) => alternative(object)));
    } else if (isObject(sub)) {
      const nested = objectMatcher(at, sub);
      checks.push((object) => nested(object?.[key]));
    } else if (Array.isArray(sub)) {
      if (sub.length === 0) throw new EventPatternError(at, 'a leaf array cannot be empty');
      const elements = sub.map((element) => leafMatcher(at, element));
      checks.push((object) => {
        const value = object?.[key];
        // An array in the event matches when one of its elements does; an empty one only `exists`.
        const candidates = Array.isArray(value) ? (value.length ? value : [undefined]) : [value];
        return elements.some((element) => candidates.some((candidate) => element(candidate)));
      });
    } else {
      throw new EventPatternError(at, 'a pattern field is an object or an array of values');
    }
  }
  return (object) => {
    const fields = isObject(object) ? object : undefined;
    return checks.every((check) => check(fields));
  };
}

/** Compiles `pattern` (an object or its JSON text) into a matcher; throws EventPatternError if EventBridge would refuse it. */
export function compileEventPattern(pattern: unknown): EventMatcher {
  let parsed = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch {
      throw new EventPatternError('', 'not valid JSON');
    }
  }
  if (!isObject(parsed) || Object.keys(parsed).length === 0) {
    throw new EventPatternError('', 'a pattern is a non-empty JSON object');
  }
  const matcher = objectMatcher('', parsed);
  return (event) => matcher(event as Json);
}
