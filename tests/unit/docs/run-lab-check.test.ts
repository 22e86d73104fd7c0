// How a lab's check block is run (infra/labs/run-lab-check.ts): the variables it gets from a stack's
// stack.json and nothing else of the caller's, and bash -euo pipefail with a deadline.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkEnvironment, endpointVariable, runCheck } from '../../../infra/labs/run-lab-check';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'shelf-lab-check-'));
  writeFileSync(
    join(dataDir, 'stack.json'),
    JSON.stringify({
      webUrl: 'http://127.0.0.1:8080',
      apiUrl: 'http://127.0.0.1:3000',
      lambdaEndpoint: 'http://127.0.0.1:3002',
      region: 'us-east-1',
      endpoints: {
        dynamodb: 'http://127.0.0.1:8000',
        sqs: 'http://127.0.0.1:9324',
        eventbridge: 'http://127.0.0.1:4010',
      },
      resources: {},
    }),
  );
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('a check block’s environment', () => {
  it('names the stack, its endpoints in the SDK’s variables, and the local credentials', () => {
    const env = checkEnvironment(dataDir, { PATH: '/usr/bin', HOME: '/home/ada' });

    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/ada',
      SHELF_STACK: join(dataDir, 'stack.json'),
      SHELF_API: 'http://127.0.0.1:3000',
      SHELF_WEB: 'http://127.0.0.1:8080',
      SHELF_LAMBDA: 'http://127.0.0.1:3002',
      SHELF_DATA_DIR: dataDir,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324',
      AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:4010',
    });
  });

  it('keeps out the caller’s AWS account, other stacks and databases', () => {
    const env = checkEnvironment(dataDir, {
      PATH: '/usr/bin',
      AWS_PROFILE: 'sandbox',
      AWS_SESSION_TOKEN: 'token',
      AWS_ENDPOINT_URL: 'https://example.com',
      AWS_ENDPOINT_URL_S3: 'https://s3.example.com',
      SHELF_TEST_API_URL: 'http://127.0.0.1:9',
      DATABASE_URL: 'postgres://prod',
    });

    expect(Object.keys(env).filter((name) => !name.startsWith('SHELF_') && !name.startsWith('AWS_'))).toEqual(['PATH']);
    expect(env).not.toHaveProperty('AWS_PROFILE');
    expect(env).not.toHaveProperty('AWS_ENDPOINT_URL');
    expect(env).not.toHaveProperty('AWS_ENDPOINT_URL_S3');
    expect(env).not.toHaveProperty('SHELF_TEST_API_URL');
  });

  it('spells a service’s endpoint variable as the SDK reads it', () => {
    expect(endpointVariable('kinesis')).toBe('AWS_ENDPOINT_URL_KINESIS');
    expect(endpointVariable('firehose')).toBe('AWS_ENDPOINT_URL_FIREHOSE');
    expect(endpointVariable('dynamodb-streams')).toBe('AWS_ENDPOINT_URL_DYNAMODB_STREAMS');
  });

  it('says so when no stack is running there', () => {
    rmSync(join(dataDir, 'stack.json'));
    expect(() => checkEnvironment(dataDir, {})).toThrow(/No running local stack: .*stack\.json is missing/);
  });
});

describe('running a check block', () => {
  const run = (script: string, timeoutMs = 10_000) =>
    runCheck(script, {
      env: { PATH: process.env.PATH, LAB_VALUE: 'from the environment' },
      scriptFile: join(dataDir, 'check.sh'),
      timeoutMs,
    });

  it('passes when the script exits 0, with its output', async () => {
    await expect(run('echo "$LAB_VALUE"; echo to stderr >&2')).resolves.toEqual({
      code: 0,
      signal: null,
      output: 'from the environment\nto stderr\n',
      timedOut: false,
    });
  });

  it('fails at the first failing command, an unset variable or a failing pipe (bash -euo pipefail)', async () => {
    await expect(run('false\necho not reached')).resolves.toMatchObject({ code: 1, output: '' });
    await expect(run('echo "$NOT_SET"')).resolves.toMatchObject({
      code: 1,
      output: expect.stringContaining('NOT_SET'),
    });
    await expect(run('false | true\necho not reached')).resolves.toMatchObject({ code: 1, output: '' });
  });

  it('stops a script past its deadline, and what it started', async () => {
    const result = await run(`sleep 30 &\necho $! > "${join(dataDir, 'sleep.pid')}"\nwait`, 500);

    expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
    const sleeper = Number(readFileSync(join(dataDir, 'sleep.pid'), 'utf8'));
    // Killed with its process group; gone once the kernel has reaped it.
    const alive = () => {
      try {
        process.kill(sleeper, 0);
        return !/^Z/m.test(readFileSync(`/proc/${sleeper}/stat`, 'utf8').split(' ')[2] ?? '');
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 5000;
    while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive()).toBe(false);
  });
});
