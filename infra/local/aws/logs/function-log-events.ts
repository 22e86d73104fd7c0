/**
 * Which function wrote a line of serverless-offline's output: what deployed Lambda knows for
 * free (each function writes to its own log group, `/aws/lambda/<function name>`) and the local
 * platform has to work out, because serverless-offline runs every function in one process and
 * prints their output unprefixed, interleaved when invocations overlap. What it prints, and how
 * each kind of line is attributed:
 *
 * - The shop's own log lines: Powertools' logger writes one JSON object per entry, with the
 *   function's name in `function_name` (observedHandler adds the Lambda context to every line).
 *   That key says exactly whose line it is, however invocations interleave: the line is that
 *   function's log event, unchanged.
 * - `(λ: <function key>) RequestId: <id>  Duration: <ms> ms  Billed Duration: <ms> ms`, which
 *   serverless-offline prints when an invocation returns: that function's REPORT line, written
 *   as Lambda writes it (`REPORT RequestId: <id>\tDuration: ...\tMemory Size: <MB> MB\t`).
 * - `Unhandled exception in handler '<function key>'.`, serverless-offline's line for a handler
 *   that threw: that function's line, marked `ERROR` as the Node.js runtime marks its
 *   "Invoke Error" line.
 *
 * Anything else names no function: serverless-offline's own lines (routes, `GET /x (λ: getX)`),
 * Powertools' metrics (EMF lines carry no function name), a bare console.log or a stack trace.
 * With invocations overlapping in one process such a line cannot be given to a function
 * reliably, so it is left out rather than guessed: a subscription gets a line of another
 * function never, and a line of its own function only when that line names it.
 */
import type { ServiceConfig } from '../../../service-config';
import { functionName } from '../../lambda/invoke';

export interface FunctionLogEvent {
  functionKey: string;
  /** The log event's message: one line of the function's output. */
  message: string;
}

// serverless-offline prints through the framework's logger, which may colour its lines.
// eslint-disable-next-line no-control-regex
const ansiCodes = /\u001b\[[0-9;]*m/g;
const reportLine = /^\(λ: ([^)]+)\) RequestId: (\S+)\s+Duration: ([\d.]+) ms\s+Billed Duration: (\d+) ms\s*$/;
const unhandledLine = /Unhandled exception in handler '([^']+)'\./;

/** Attributes each line of serverless-offline's output to a function of `config`, or to none. */
export function functionLogEvents(config: ServiceConfig): (line: string) => FunctionLogEvent | undefined {
  const keyByName = new Map(Object.keys(config.functions).map((key) => [functionName(config, key), key]));
  const known = (key: string) => (key in config.functions ? key : undefined);
  const memorySize = (key: string) =>
    (config.functions[key] as { memorySize?: number }).memorySize ??
    (config.provider.memorySize as number | undefined) ??
    1024;

  return (raw) => {
    if (raw.startsWith('{')) {
      try {
        const entry = JSON.parse(raw) as { function_name?: unknown };
        const functionKey = typeof entry.function_name === 'string' ? keyByName.get(entry.function_name) : undefined;
        return functionKey ? { functionKey, message: raw } : undefined;
      } catch {
        return undefined;
      }
    }
    const line = raw.replace(ansiCodes, '');
    const report = reportLine.exec(line);
    if (report) {
      const [, key, requestId, duration, billed] = report;
      const functionKey = known(key!);
      if (!functionKey) return undefined;
      return {
        functionKey,
        message: `REPORT RequestId: ${requestId}\tDuration: ${duration} ms\tBilled Duration: ${billed} ms\tMemory Size: ${memorySize(functionKey)} MB\t`,
      };
    }
    const unhandled = unhandledLine.exec(line);
    const functionKey = unhandled ? known(unhandled[1]!) : undefined;
    return functionKey ? { functionKey, message: `ERROR\t${unhandled![0]}` } : undefined;
  };
}
