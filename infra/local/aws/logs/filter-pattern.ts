/**
 * CloudWatch Logs filter patterns, matched as a subscription filter matches them, so a
 * subscription picks the same log events locally as deployed:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 *
 * - The empty pattern matches every event.
 * - Terms (unstructured events): `ERROR` matches an event containing ERROR, case sensitive;
 *   `ERROR Exception` needs both; `"Failed to process"` is one exact phrase; `?ERROR ?WARN`
 *   needs one of them; `-Retrying` excludes events containing it. A term with anything but
 *   letters, digits and `_` must be quoted. `%regex%` is a term too.
 * - JSON (`{ ... }`): the event must be a JSON object; `$.a.b[0]` selects a value; `=` and `!=`
 *   compare strings (`*` matches any run of characters, quoted or not) or numbers; `<`, `<=`,
 *   `>`, `>=` compare numbers; `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS` (and `EXISTS`);
 *   `&&`, `||` (`&&` binds tighter) and parentheses. A comparison on a value the event lacks, or
 *   of another type, does not match (`!=` included): only `NOT EXISTS` matches a missing value.
 * - Space-delimited (`[ip, user, ..., status_code = 4* || status_code = 5*, bytes > 1000]`):
 *   the event's fields are separated by spaces, a field in "double quotes" or [brackets] being
 *   one; the pattern names every field in order, `...` standing for any number of them; a field
 *   may carry conditions on the fields (`=`, `!=` with `*` wildcards, numeric comparisons, `&&`,
 *   `||`, parentheses). Without `...` the event must have exactly as many fields as named.
 *
 * A pattern CloudWatch Logs would refuse (InvalidParameterException) is refused here, with a
 * message naming the problem.
 */

export class FilterPatternError extends Error {
  constructor(pattern: string, problem: string) {
    super(`Filter pattern ${JSON.stringify(pattern)}: ${problem}`);
    this.name = 'FilterPatternError';
  }
}

export interface FilterPattern {
  /** The pattern as declared. */
  readonly text: string;
  /** Whether a log event's message matches, as CloudWatch Logs decides. */
  matches(message: string): boolean;
}

/** CloudWatch Logs' limit on a pattern's length (PutSubscriptionFilter). */
const maxPatternLength = 1024;
/** At most two regular expressions per pattern. */
const maxRegexes = 2;

export function parseFilterPattern(text: string): FilterPattern {
  const fail = (problem: string): never => {
    throw new FilterPatternError(text, problem);
  };
  if (text.length > maxPatternLength) fail(`longer than ${maxPatternLength} characters`);
  const trimmed = text.trim();
  if (trimmed === '') return { text, matches: () => true };
  const regexes = { count: 0 };
  let matches: (message: string) => boolean;
  if (trimmed.startsWith('{')) matches = jsonPattern(trimmed, fail, regexes);
  else if (trimmed.startsWith('[')) matches = spaceDelimitedPattern(trimmed, fail, regexes);
  else matches = termPattern(trimmed, fail, regexes);
  return { text, matches };
}

type Fail = (problem: string) => never;

/**
 * A `%regex%` as CloudWatch Logs accepts it: letters, digits, the symbols `: _ # = @ / ; , -`
 * and space, the operators `^ $ ? [ ] { } | \ * + .`; no groups (parentheses).
 */
function compileRegex(source: string, fail: Fail, regexes: { count: number }): RegExp {
  if (++regexes.count > maxRegexes) fail(`more than ${maxRegexes} regular expressions`);
  if (source === '') fail('an empty regular expression (%%)');
  const refused = /[^A-Za-z0-9:_#=@/;,\- ^$?[\]{}|\\*+.]/.exec(source);
  if (refused) fail(`the regular expression %${source}% uses ${JSON.stringify(refused[0])}, which is not supported`);
  try {
    return new RegExp(source);
  } catch (error) {
    return fail(`the regular expression %${source}% is invalid: ${(error as Error).message}`);
  }
}

/** Reads a double-quoted string at `start` (a `"`), with `\"` and `\\` escapes; returns it and the index after it. */
function readQuoted(source: string, start: number, fail: Fail): [value: string, end: number] {
  let value = '';
  for (let i = start + 1; i < source.length; i++) {
    const char = source[i]!;
    if (char === '\\' && i + 1 < source.length) value += source[++i];
    else if (char === '"') return [value, i + 1];
    else value += char;
  }
  return fail(`a quote opened at ${start + 1} is never closed`);
}

function termPattern(pattern: string, fail: Fail, regexes: { count: number }): (message: string) => boolean {
  type Test = (message: string) => boolean;
  const required: Test[] = [];
  const anyOf: Test[] = [];
  const excluded: Test[] = [];
  let i = 0;
  while (i < pattern.length) {
    if (/\s/.test(pattern[i]!)) {
      i++;
      continue;
    }
    const prefix = pattern[i] === '?' || pattern[i] === '-' ? pattern[i++] : '';
    let test: Test;
    if (pattern[i] === '"') {
      const [phrase, end] = readQuoted(pattern, i, fail);
      if (phrase === '') fail('an empty quoted term ("")');
      test = (message) => message.includes(phrase);
      i = end;
    } else if (pattern[i] === '%') {
      const end = pattern.indexOf('%', i + 1);
      if (end < 0) fail(`a regular expression opened at ${i + 1} is never closed with %`);
      const regex = compileRegex(pattern.slice(i + 1, end), fail, regexes);
      test = (message) => regex.test(message);
      i = end + 1;
    } else {
      const word = /^\S*/.exec(pattern.slice(i))![0];
      if (word === '') fail(`"${prefix}" must be followed by a term`);
      if (!/^\w+$/.test(word)) {
        fail(`the term ${word} has characters other than letters, digits and _: put it in double quotes`);
      }
      test = (message) => message.includes(word);
      i += word.length;
    }
    if (i < pattern.length && !/\s/.test(pattern[i]!)) fail(`terms must be separated by spaces (at ${i + 1})`);
    (prefix === '?' ? anyOf : prefix === '-' ? excluded : required).push(test);
  }
  return (message) =>
    required.every((test) => test(message)) &&
    (anyOf.length === 0 || anyOf.some((test) => test(message))) &&
    !excluded.some((test) => test(message));
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonTest = (event: Json) => boolean;
/** A step of a selector: an object's key, or an array's index. */
type Step = string | number;

/** `*` matches any run of characters (anything at all, in a value that is only `*`). */
function wildcardTest(value: string): (actual: string) => boolean {
  if (!value.includes('*')) return (actual) => actual === value;
  const regex = new RegExp(
    `^${value
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
  return (actual) => regex.test(actual);
}

function select(event: Json, steps: Step[]): Json | undefined {
  let value: Json | undefined = event;
  for (const step of steps) {
    if (typeof step === 'number') value = Array.isArray(value) ? value[step] : undefined;
    else value = value !== null && typeof value === 'object' && !Array.isArray(value) ? value[step] : undefined;
    if (value === undefined) return undefined;
  }
  return value;
}

const numberLiteral = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A recursive-descent reader of `{ ... }`: OR of ANDs of comparisons or parenthesised groups. */
function jsonPattern(pattern: string, fail: Fail, regexes: { count: number }): (message: string) => boolean {
  if (!pattern.endsWith('}')) fail('a JSON pattern must end with }');
  const body = pattern.slice(1, -1);
  let i = 0;
  const at = () => `at ${i + 2}`;
  const skipSpace = () => {
    while (i < body.length && /\s/.test(body[i]!)) i++;
  };
  const lookingAt = (word: string) => {
    skipSpace();
    return body.startsWith(word, i);
  };
  const keyword = (word: string) => {
    if (!lookingAt(word)) return false;
    const after = body[i + word.length];
    if (after !== undefined && /[\w$]/.test(after)) return false;
    i += word.length;
    return true;
  };

  function selector(): Step[] {
    skipSpace();
    if (body[i] !== '$') fail(`a selector must start with $ (${at()})`);
    i++;
    const steps: Step[] = [];
    for (;;) {
      if (body[i] === '.') {
        i++;
        const key = /^[\w@\-:]+/.exec(body.slice(i))?.[0];
        if (!key) fail(`a key must follow "." in a selector (${at()})`);
        steps.push(key);
        i += key.length;
      } else if (body[i] === '[') {
        const index = /^\[(\d+)\]/.exec(body.slice(i));
        if (!index) fail(`an array index must be a number in [ ] (${at()})`);
        steps.push(Number(index[1]));
        i += index[0].length;
      } else break;
    }
    if (steps.length === 0) fail(`a selector must name a field, like $.level (${at()})`);
    return steps;
  }

  function comparison(): JsonTest {
    const steps = selector();
    if (keyword('IS')) {
      if (keyword('NULL')) return (event) => select(event, steps) === null;
      if (keyword('TRUE')) return (event) => select(event, steps) === true;
      if (keyword('FALSE')) return (event) => select(event, steps) === false;
      return fail(`IS must be followed by NULL, TRUE or FALSE (${at()})`);
    }
    if (keyword('NOT')) {
      if (!keyword('EXISTS')) fail(`NOT must be followed by EXISTS (${at()})`);
      return (event) => select(event, steps) === undefined;
    }
    if (keyword('EXISTS')) return (event) => select(event, steps) !== undefined;
    skipSpace();
    const operator = /^(!=|<=|>=|=|<|>)/.exec(body.slice(i))?.[0];
    if (!operator)
      return fail(`a selector must be followed by an operator (=, !=, <, <=, >, >=, IS, NOT EXISTS) (${at()})`);
    i += operator.length;
    skipSpace();
    const valueAt = at();
    // `accepts`: the value is of the type compared (a string, a number); `holds`: the comparison.
    let accepts: (actual: Json) => boolean = (actual) => typeof actual === 'string';
    let holds: (actual: Json) => boolean;
    let numeric = false;
    if (body[i] === '"') {
      const [value, end] = readQuoted(body, i, fail);
      i = end;
      holds = wildcardTest(value) as (actual: Json) => boolean;
    } else if (body[i] === '%') {
      const end = body.indexOf('%', i + 1);
      if (end < 0) fail(`a regular expression opened ${valueAt} is never closed with %`);
      const regex = compileRegex(body.slice(i + 1, end), fail, regexes);
      i = end + 1;
      holds = (actual) => regex.test(actual as string);
    } else {
      // An unquoted value runs to the next space, parenthesis or operator.
      const value = /^[^\s()&|]+/.exec(body.slice(i))?.[0];
      if (!value) return fail(`a value must follow ${operator} (${valueAt})`);
      i += value.length;
      if (numberLiteral.test(value)) {
        numeric = true;
        const number = Number(value);
        const compare: Record<string, (a: number) => boolean> = {
          '=': (a) => a === number,
          '!=': (a) => a === number,
          '<': (a) => a < number,
          '<=': (a) => a <= number,
          '>': (a) => a > number,
          '>=': (a) => a >= number,
        };
        accepts = (actual) => typeof actual === 'number';
        holds = (actual) => compare[operator]!(actual as number);
      } else {
        holds = wildcardTest(value) as (actual: Json) => boolean;
      }
    }
    if (!numeric && operator !== '=' && operator !== '!=') {
      fail(`${operator} compares numbers; the value ${valueAt} is not a number`);
    }
    const negated = operator === '!=';
    return (event) => {
      const actual = select(event, steps);
      return actual !== undefined && accepts(actual) && holds(actual) !== negated;
    };
  }

  function group(): JsonTest {
    if (lookingAt('(')) {
      i++;
      const inner = or();
      if (!lookingAt(')')) fail(`a parenthesis is never closed (${at()})`);
      i++;
      return inner;
    }
    return comparison();
  }

  function and(): JsonTest {
    const parts = [group()];
    while (lookingAt('&&')) {
      i += 2;
      parts.push(group());
    }
    return parts.length === 1 ? parts[0]! : (event) => parts.every((part) => part(event));
  }

  function or(): JsonTest {
    const parts = [and()];
    while (lookingAt('||')) {
      i += 2;
      parts.push(and());
    }
    return parts.length === 1 ? parts[0]! : (event) => parts.some((part) => part(event));
  }

  skipSpace();
  if (i >= body.length) fail('an empty JSON pattern ({ })');
  const test = or();
  skipSpace();
  if (i < body.length) fail(`unexpected ${JSON.stringify(body.slice(i, i + 20).trimEnd())} (${at()})`);
  return (message) => {
    // Only a JSON object is a JSON log event; anything else matches no JSON pattern.
    if (!message.trimStart().startsWith('{')) return false;
    let event: Json;
    try {
      event = JSON.parse(message) as Json;
    } catch {
      return false;
    }
    return test(event);
  };
}

/** An event's fields, as space-delimited patterns see them: "a quoted run" and [a bracketed run] are one field each. */
export function spaceDelimitedFields(message: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i < message.length) {
    if (message[i] === ' ' || message[i] === '\t') {
      i++;
      continue;
    }
    const close = message[i] === '"' ? '"' : message[i] === '[' ? ']' : undefined;
    if (close) {
      const end = message.indexOf(close, i + 1);
      const last = end < 0 ? message.length : end;
      fields.push(message.slice(i + 1, last));
      i = last + 1;
    } else {
      const end = /[ \t]/.exec(message.slice(i));
      const last = end ? i + end.index : message.length;
      fields.push(message.slice(i, last));
      i = last;
    }
  }
  return fields;
}

/** Splits `text` at `separator` where it is outside quotes and %regex%. */
function splitOutside(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === '%') quote = char;
    else if (char === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

type FieldTest = (fields: Map<string, string>) => boolean;

function spaceDelimitedPattern(pattern: string, fail: Fail, regexes: { count: number }): (message: string) => boolean {
  if (!pattern.endsWith(']')) fail('a space-delimited pattern must end with ]');
  const entries = splitOutside(pattern.slice(1, -1), ',').map((entry) => entry.trim());
  const names: (string | undefined)[] = [];
  const conditions: FieldTest[] = [];
  const referenced = new Set<string>();
  for (const entry of entries) {
    if (entry === '...') {
      names.push(undefined);
      continue;
    }
    const name = /^[A-Za-z_][\w-]*/.exec(entry)?.[0];
    if (!name) fail(`a field must be named, or be ... (${JSON.stringify(entry)})`);
    if (names.includes(name)) fail(`the field ${name} is named twice`);
    names.push(name);
    if (entry.slice(name.length).trim() !== '') conditions.push(fieldCondition(entry, fail, regexes, referenced));
  }
  const named = new Set(names.filter((name): name is string => name !== undefined));
  if (named.size === 0) fail('a space-delimited pattern must name at least one field');

  // Gives each named field an event field in order, `...` taking any number (fewest first),
  // until an assignment meets every condition.
  const assign = (fields: string[], entry: number, field: number, values: Map<string, string>): boolean => {
    if (entry === names.length) return field === fields.length && conditions.every((test) => test(values));
    const name = names[entry];
    if (name === undefined) {
      for (let skip = 0; field + skip <= fields.length; skip++) {
        if (assign(fields, entry + 1, field + skip, values)) return true;
      }
      return false;
    }
    if (field >= fields.length) return false;
    values.set(name, fields[field]!);
    return assign(fields, entry + 1, field + 1, values);
  };
  for (const name of referenced)
    if (!named.has(name)) fail(`a condition names ${name}, which is not a field of the pattern`);
  return (message) => assign(spaceDelimitedFields(message), 0, 0, new Map());
}

/** A field's conditions, e.g. `status_code = 4* || status_code = 5*`: comparisons of named fields, &&, ||, parentheses. */
function fieldCondition(entry: string, fail: Fail, regexes: { count: number }, referenced: Set<string>): FieldTest {
  let i = 0;
  const skipSpace = () => {
    while (i < entry.length && /\s/.test(entry[i]!)) i++;
  };
  const lookingAt = (word: string) => {
    skipSpace();
    return entry.startsWith(word, i);
  };

  function comparison(): FieldTest {
    skipSpace();
    const name = /^[A-Za-z_][\w-]*/.exec(entry.slice(i))?.[0];
    if (!name) return fail(`a condition must start with a field's name (in ${JSON.stringify(entry)})`);
    referenced.add(name);
    i += name.length;
    skipSpace();
    const operator = /^(!=|<=|>=|=|<|>)/.exec(entry.slice(i))?.[0];
    if (!operator)
      return fail(`${name} must be followed by an operator (=, !=, <, <=, >, >=) (in ${JSON.stringify(entry)})`);
    i += operator.length;
    skipSpace();
    let holds: (actual: string) => boolean;
    let numeric = false;
    if (entry[i] === '"') {
      const [value, end] = readQuoted(entry, i, fail);
      i = end;
      holds = wildcardTest(value);
    } else if (entry[i] === '%') {
      const end = entry.indexOf('%', i + 1);
      if (end < 0) fail(`a regular expression is never closed with % (in ${JSON.stringify(entry)})`);
      const regex = compileRegex(entry.slice(i + 1, end), fail, regexes);
      i = end + 1;
      holds = (actual) => regex.test(actual);
    } else {
      const value = /^[^\s()&|]+/.exec(entry.slice(i))?.[0];
      if (!value) return fail(`a value must follow ${name} ${operator} (in ${JSON.stringify(entry)})`);
      i += value.length;
      if (numberLiteral.test(value)) {
        numeric = true;
        const number = Number(value);
        const compare: Record<string, (a: number) => boolean> = {
          '=': (a) => a === number,
          '!=': (a) => a === number,
          '<': (a) => a < number,
          '<=': (a) => a <= number,
          '>': (a) => a > number,
          '>=': (a) => a >= number,
        };
        // A field is text: it is compared as a number when it reads as one, else it does not match.
        holds = (actual) => numberLiteral.test(actual) && compare[operator]!(Number(actual));
      } else holds = wildcardTest(value);
    }
    if (!numeric && operator !== '=' && operator !== '!=') {
      fail(`${operator} compares numbers; ${name}'s value is not a number (in ${JSON.stringify(entry)})`);
    }
    const negated = operator === '!=';
    return (fields) => {
      const actual = fields.get(name);
      if (actual === undefined) return false;
      // `!=` on a number: the field reads as a number different from it.
      if (negated && numeric) return numberLiteral.test(actual) && !holds(actual);
      return holds(actual) !== negated;
    };
  }

  function group(): FieldTest {
    if (lookingAt('(')) {
      i++;
      const inner = or();
      if (!lookingAt(')')) fail(`a parenthesis is never closed (in ${JSON.stringify(entry)})`);
      i++;
      return inner;
    }
    return comparison();
  }

  function and(): FieldTest {
    const parts = [group()];
    while (lookingAt('&&')) {
      i += 2;
      parts.push(group());
    }
    return (fields) => parts.every((part) => part(fields));
  }

  function or(): FieldTest {
    const parts = [and()];
    while (lookingAt('||')) {
      i += 2;
      parts.push(and());
    }
    return (fields) => parts.some((part) => part(fields));
  }

  const test = or();
  skipSpace();
  if (i < entry.length) fail(`unexpected ${JSON.stringify(entry.slice(i))} (in ${JSON.stringify(entry)})`);
  return test;
}
