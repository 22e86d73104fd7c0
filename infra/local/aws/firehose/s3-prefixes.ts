/**
 * Firehose's S3 object keys: `<evaluated prefix><stream name>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>`,
 * where the prefix's `!{namespace:value}` expressions are evaluated at delivery:
 * - `!{timestamp:<Java DateTimeFormatter pattern>}`: the approximate arrival time of the oldest
 *   record in the object, in UTC; every instance in one prefix is the same instant;
 * - `!{firehose:random-string}`: 11 random characters, new for each instance;
 * - `!{firehose:error-output-type}`: why the records failed (`processing-failed` here), in the
 *   error output prefix only.
 * A Prefix with no timestamp expression gets `yyyy/MM/dd/HH/` appended; an empty error output
 * prefix is the prefix, the error output type and the same time folders.
 * https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html and s3-object-name.html
 */
import { randomUUID } from 'node:crypto';

export type ErrorOutputType = 'processing-failed';

const expression = /!\{([^}:]*):([^}]*)\}/g;

/** The letters of Java's DateTimeFormatter this emulator knows, with the fields they print. */
const dateFields: Record<string, (date: Date, width: number) => string> = {
  y: (date, width) =>
    width === 2
      ? String(date.getUTCFullYear() % 100).padStart(2, '0')
      : String(date.getUTCFullYear()).padStart(width, '0'),
  u: (date, width) => dateFields.y!(date, width),
  M: (date, width) => String(date.getUTCMonth() + 1).padStart(width, '0'),
  d: (date, width) => String(date.getUTCDate()).padStart(width, '0'),
  H: (date, width) => String(date.getUTCHours()).padStart(width, '0'),
  m: (date, width) => String(date.getUTCMinutes()).padStart(width, '0'),
  s: (date, width) => String(date.getUTCSeconds()).padStart(width, '0'),
};

type DatePart = string | { field: string; width: number };

/**
 * A Java DateTimeFormatter pattern as parts: runs of a pattern letter, text in single quotes
 * (`''` is a quote), and anything that is not a letter, as it is. Letters this emulator does not
 * know are refused, rather than printed wrong.
 */
export function parseDatePattern(pattern: string): DatePart[] {
  const parts: DatePart[] = [];
  for (let i = 0; i < pattern.length;) {
    const char = pattern[i]!;
    if (char === "'") {
      if (pattern[i + 1] === "'") {
        parts.push("'");
        i += 2;
        continue;
      }
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new Error(`Unterminated quote in the timestamp pattern "${pattern}"`);
      parts.push(pattern.slice(i + 1, end));
      i = end + 1;
    } else if (/[A-Za-z]/.test(char)) {
      let width = 1;
      while (pattern[i + width] === char) width++;
      if (!(char in dateFields))
        throw new Error(`The timestamp pattern "${pattern}" uses "${char}", which the local Firehose does not format`);
      parts.push({ field: char, width });
      i += width;
    } else {
      parts.push(char);
      i++;
    }
  }
  return parts;
}

export function formatDate(pattern: string, date: Date): string {
  return parseDatePattern(pattern)
    .map((part) => (typeof part === 'string' ? part : dateFields[part.field]!(date, part.width)))
    .join('');
}

/** 11 random characters, like Firehose's (e.g. `046b6c7f-0b`). */
export const randomString = () => randomUUID().slice(0, 11);

export interface PrefixPair {
  prefix: string;
  errorOutputPrefix: string;
}

/**
 * The prefixes as Firehose applies them, checked by its rules: ErrorOutputPrefix may be empty only
 * when Prefix has no expressions; an ErrorOutputPrefix with expressions names the error output
 * type; Prefix never does.
 */
export function effectivePrefixes(declared: { prefix?: string; errorOutputPrefix?: string }): PrefixPair {
  const prefix = declared.prefix ?? '';
  const errorOutputPrefix = declared.errorOutputPrefix ?? '';
  const expressions = (text: string) =>
    [...text.matchAll(expression)].map(([, namespace, value]) => `${namespace}:${value}`);
  for (const [name, text] of [
    ['Prefix', prefix],
    ['ErrorOutputPrefix', errorOutputPrefix],
  ] as const) {
    for (const found of expressions(text)) {
      if (!/^(timestamp:.+|firehose:(random-string|error-output-type))$/.test(found))
        throw new Error(`${name} "${text}": !{${found}} is not an expression the local Firehose evaluates`);
    }
    if (text.replace(expression, '').includes('!{'))
      throw new Error(`${name} "${text}": "!{" may only open a !{namespace:value} expression`);
    for (const found of expressions(text).filter((e) => e.startsWith('timestamp:'))) parseDatePattern(found.slice(10));
  }
  if (expressions(prefix).includes('firehose:error-output-type'))
    throw new Error(`Prefix "${prefix}" may not contain !{firehose:error-output-type}`);
  if (errorOutputPrefix === '' && expressions(prefix).length > 0)
    throw new Error(`ErrorOutputPrefix must be set when Prefix ("${prefix}") contains expressions`);
  if (
    expressions(errorOutputPrefix).length > 0 &&
    !expressions(errorOutputPrefix).includes('firehose:error-output-type')
  )
    throw new Error(`ErrorOutputPrefix "${errorOutputPrefix}" must contain !{firehose:error-output-type}`);
  const timeFolders = '!{timestamp:yyyy/MM/dd/HH/}';
  const hasTimestamp = expressions(prefix).some((e) => e.startsWith('timestamp:'));
  return {
    prefix: hasTimestamp ? prefix : `${prefix}${timeFolders}`,
    // A declared error output prefix is used as it is (Firehose adds time folders to Prefix only).
    errorOutputPrefix:
      errorOutputPrefix === '' ? `${prefix}!{firehose:error-output-type}/${timeFolders}` : errorOutputPrefix,
  };
}

/** A prefix with its expressions evaluated for one object. */
export function evaluatePrefix(
  prefix: string,
  context: { timestamp: Date; errorOutputType?: ErrorOutputType; random?: () => string },
): string {
  const random = context.random ?? randomString;
  return prefix.replace(expression, (_, namespace: string, value: string) => {
    if (namespace === 'timestamp') return formatDate(value, context.timestamp);
    if (value === 'random-string') return random();
    if (value === 'error-output-type' && context.errorOutputType) return context.errorOutputType;
    throw new Error(`!{${namespace}:${value}} cannot be evaluated here`);
  });
}

/** What Firehose appends to an object's name for its compression. */
export const compressionExtensions: Record<string, string> = { UNCOMPRESSED: '', GZIP: '.gz' };

/** The whole key of an object: the evaluated prefix and Firehose's suffix. */
export function objectKey(options: {
  evaluatedPrefix: string;
  streamName: string;
  /** Starts at 1 and grows with each configuration change; a local stream is never changed. */
  version?: number;
  timestamp: Date;
  compression: string;
  uuid?: string;
}): string {
  const { evaluatedPrefix, streamName, version = 1, timestamp, compression, uuid = randomUUID() } = options;
  return `${evaluatedPrefix}${streamName}-${version}-${formatDate('yyyy-MM-dd-HH-mm-ss', timestamp)}-${uuid}${compressionExtensions[compression] ?? ''}`;
}
