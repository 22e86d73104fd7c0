/**
 * npm run invoke -- <function> [--event FILE|-]
 *
 * Invokes a function of serverless.yml on the running local stack (`npm start`), the way its
 * trigger would: through serverless-offline's Lambda Invoke API, which runs the bundled handler
 * with its environment from serverless.yml. The event is the JSON in FILE (`-`: standard input),
 * or, without --event, AWS's sample event for the function's first trigger with the local names
 * filled in (lambda/sample-events.ts; a service module supplies its own). Prints the result as
 * JSON; a function error goes to standard error and the exit code is 1. For the triggers that
 * cannot fire locally (Lex, Alexa, Config, CodePipeline, ...), this is how they are tried.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ServiceConfig } from '../service-config';
import { services } from './aws/services';
import { localDataDir } from './data-dir';
import { errorMessage, functionName, invokeFunction, type Invocation } from './lambda/invoke';
import { localResponseUrl, sampleEventFor } from './lambda/sample-events';
import type { LocalResource } from './local-resources';

export interface InvokeArgs {
  /** A function's key in serverless.yml (`getHealth`) or its deployed name. */
  functionName: string;
  /** undefined: the default event; '-': standard input; else a file. */
  eventFile?: string;
}

export const usage = 'Usage: npm run invoke -- <function> [--event FILE|-]';

export function parseInvokeArgs(argv: string[]): InvokeArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { event: { type: 'string', short: 'e' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) {
    throw new Error(positionals.length ? `One function at a time, not ${positionals.join(', ')}. ${usage}` : usage);
  }
  return { functionName: positionals[0]!, ...(values.event !== undefined ? { eventFile: values.event } : {}) };
}

/** The function's key, by its key or its deployed name; a clear error listing them otherwise. */
export function findFunction(config: ServiceConfig, name: string): string {
  const key = Object.keys(config.functions).find((k) => k === name || functionName(config, k) === name);
  if (!key) {
    throw new Error(
      `No function "${name}" in serverless.yml. The functions are: ${Object.keys(config.functions).join(', ')}`,
    );
  }
  return key;
}

export interface LocalStack {
  lambdaEndpoint: string;
  region: string;
  resources: Record<string, LocalResource>;
}

/** stack.json and serverless.json of the running stack (start-shelf.ts writes them). */
export function readLocalStack(dataDir = localDataDir()): { stack: LocalStack; config: ServiceConfig } {
  const stackFile = join(dataDir, 'stack.json');
  try {
    return {
      stack: JSON.parse(readFileSync(stackFile, 'utf8')) as LocalStack,
      config: JSON.parse(readFileSync(join(dataDir, 'serverless.json'), 'utf8')) as ServiceConfig,
    };
  } catch {
    throw new Error(`No local stack found (${stackFile} is missing): is npm start running?`);
  }
}

/** The event to send: from the file or standard input, or the function's default one. */
export function eventFor(
  args: InvokeArgs,
  functionKey: string,
  local: { stack: LocalStack; config: ServiceConfig },
  readInput: (file: string) => string = (file) => readFileSync(file === '-' ? 0 : file, 'utf8'),
): { event: unknown; trigger: string } {
  if (args.eventFile !== undefined) {
    const where = args.eventFile === '-' ? 'standard input' : args.eventFile;
    let text: string;
    try {
      text = readInput(args.eventFile);
    } catch (error) {
      throw new Error(`Could not read the event from ${where}: ${(error as Error).message}`, { cause: error });
    }
    try {
      return { event: JSON.parse(text) as unknown, trigger: where };
    } catch (error) {
      throw new Error(`The event in ${where} is not JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  const sample = sampleEventFor(functionKey, {
    config: local.config,
    resources: new Map(Object.entries(local.stack.resources)),
    services,
  });
  if (!sample) {
    const kinds = (local.config.functions[functionKey]!.events ?? []).map((e) => Object.keys(e)[0]).join(', ');
    throw new Error(
      `${functionKey} has no default event for its triggers (${kinds || 'none declared'}): give one with --event FILE`,
    );
  }
  return sample;
}

/**
 * A custom resource's answer goes to its ResponseURL: a listener here takes it, so that what
 * CloudFormation would have received can be shown.
 */
async function withResponseListener<T>(
  event: unknown,
  run: (event: unknown) => Promise<T>,
): Promise<{ result: T; response?: unknown }> {
  const request = event as { ResponseURL?: unknown } | null;
  if (request?.ResponseURL !== localResponseUrl) return { result: await run(event) };
  let response: unknown;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      try {
        response = JSON.parse(body) as unknown;
      } catch {
        response = body;
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const result = await run({ ...request, ResponseURL: `http://127.0.0.1:${port}/cloudformation-response` });
    return { result, ...(response === undefined ? {} : { response }) };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

async function main() {
  const args = parseInvokeArgs(process.argv.slice(2));
  const local = readLocalStack();
  const functionKey = findFunction(local.config, args.functionName);
  const { event, trigger } = eventFor(args, functionKey, local);
  if (args.eventFile === undefined) console.error(`Invoking ${functionKey} with a sample ${trigger} event.`);
  const { lambdaEndpoint } = local.stack;
  const { result: invocation, response } = await withResponseListener(event, (sent) =>
    invokeFunction(lambdaEndpoint, functionName(local.config, functionKey), sent).catch((error: Error): never => {
      throw new Error(`The local stack at ${lambdaEndpoint} does not answer (${error.message}): is npm start running?`);
    }),
  );
  if (response !== undefined) console.error(`CloudFormation would have received: ${JSON.stringify(response, null, 2)}`);
  report(invocation);
}

function report(invocation: Invocation) {
  if (invocation.functionError) {
    console.error(errorMessage(invocation));
    process.exitCode = 1;
    return;
  }
  console.log(JSON.stringify(invocation.payload, null, 2));
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
