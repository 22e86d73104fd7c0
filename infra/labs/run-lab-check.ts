/**
 * Runs a lab's check block against a running local stack, as tests/integration/labs.test.ts and
 * `npm run lab` do: `bash -euo pipefail` in the repo root, with the stack's endpoints in the
 * variables docs/labs/README.md lists, read from the stack's stack.json (written by npm start).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { localCredentials } from '../local/aws/local-credentials';
import { repoRoot } from './lab-pages';

/** The parts of .local/stack.json a check's environment comes from. */
export interface StackFile {
  webUrl: string;
  apiUrl: string;
  lambdaEndpoint: string;
  region: string;
  /** Emulator endpoints by service: dynamodb, s3, sqs, kinesis, … */
  endpoints: Record<string, string>;
}

/**
 * The AWS SDK's variable for a service's endpoint (AWS_ENDPOINT_URL_<SERVICE ID>, upper case,
 * spaces as underscores): dynamodb → AWS_ENDPOINT_URL_DYNAMODB, eventbridge → …_EVENTBRIDGE.
 */
export function endpointVariable(service: string): string {
  return `AWS_ENDPOINT_URL_${service.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/** The variables a check block gets (docs/labs/README.md), for the stack whose data directory this is. */
export function labVariables(dataDir: string): Record<string, string> {
  const stackFile = join(resolve(dataDir), 'stack.json');
  let stack: StackFile;
  try {
    stack = JSON.parse(readFileSync(stackFile, 'utf8')) as StackFile;
  } catch {
    throw new Error(`No running local stack: ${stackFile} is missing (npm start writes it once the stack is up)`);
  }
  return {
    SHELF_STACK: stackFile,
    SHELF_API: stack.apiUrl,
    SHELF_WEB: stack.webUrl,
    SHELF_LAMBDA: stack.lambdaEndpoint,
    SHELF_DATA_DIR: resolve(dataDir),
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    ...Object.fromEntries(Object.entries(stack.endpoints).map(([service, url]) => [endpointVariable(service), url])),
  };
}

/** What a check block runs with: the caller's environment, pointed at this stack and only it. */
export function checkEnvironment(dataDir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const variables = labVariables(dataDir);
  const env: NodeJS.ProcessEnv = { ...base };
  // Nothing of another account, stack or database may leak in: a check sees what an attendee sees.
  for (const name of Object.keys(env)) {
    if (name.startsWith('AWS_') || name.startsWith('SHELF_') || name === 'DATABASE_URL') delete env[name];
  }
  return Object.assign(env, variables);
}

export interface CheckRun {
  /** bash's exit code; null when it was killed (see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
  timedOut: boolean;
}

export interface RunCheckOptions {
  env: NodeJS.ProcessEnv;
  /** Where the script is written before bash runs it (kept, so a failure can be run again by hand). */
  scriptFile: string;
  timeoutMs: number;
  /** Each piece of output as it comes (npm run lab prints it live). */
  onOutput?: (chunk: Buffer) => void;
}

export function runCheck(script: string, { env, scriptFile, timeoutMs, onOutput }: RunCheckOptions): Promise<CheckRun> {
  mkdirSync(dirname(scriptFile), { recursive: true });
  writeFileSync(scriptFile, `${script}\n`);
  return new Promise((resolvePromise, reject) => {
    // Its own process group, so that a timeout ends what the check started too (node, curl, npm).
    const bash = spawn('bash', ['-euo', 'pipefail', scriptFile], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const chunks: Buffer[] = [];
    const collect = (chunk: Buffer) => {
      chunks.push(chunk);
      onOutput?.(chunk);
    };
    bash.stdout.on('data', collect);
    bash.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-bash.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    bash.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    bash.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, output: Buffer.concat(chunks).toString('utf8'), timedOut });
    });
  });
}
