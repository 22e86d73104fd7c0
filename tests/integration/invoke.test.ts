// npm run invoke through the running stack: a function invoked the way its trigger would, with
// AWS's sample event for that trigger, or with an event given on standard input; a function error
// and an unknown function fail with a clear message and a non-zero exit code.
import { spawn } from 'node:child_process';
import { repoRoot } from '../../infra/service-config';

/** `npm run invoke -- ...args` against the integration tests' stack, `input` on standard input. */
function invokeCommand(
  args: string[],
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/invoke.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, SHELF_DATA_DIR: process.env.SHELF_TEST_DATA_DIR },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('npm run invoke', () => {
  it("invokes an HTTP route's function with the sample for its route, and prints the result", async () => {
    const { code, stdout, stderr } = await invokeCommand(['getHealth']);

    expect(stderr).toContain('Invoking getHealth with a sample httpApi event.');
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok', service: 'shelf', stage: 'local' });
  });

  it("invokes an ALB target with AWS's multi-value ALB sample, its target group's", async () => {
    const { code, stdout, stderr } = await invokeCommand(['operationsEndpoint']);

    expect(stderr).toContain('Invoking operationsEndpoint with a sample alb event.');
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ statusCode: 200, statusDescription: '200 OK' });
    expect(result.multiValueHeaders['content-type']).toEqual(['application/json']);
    expect(JSON.parse(result.body)).toMatchObject({ healthy: true, database: { migrated: true } });
  });

  it('sends the event given on standard input', async () => {
    const { code, stdout } = await invokeCommand(['getHealth', '--event', '-'], '{}');

    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    // Not an HTTP API event: the route's wrapper refuses it, as it would a misconfigured trigger.
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toEqual({
      error: { code: 'INTERNAL', message: 'Unexpected event', details: null },
    });
  });

  it("fails with the function's error when the function fails (the ETL worker on the SQS sample's body)", async () => {
    const { code, stdout, stderr } = await invokeCommand(['loadImportChunk']);

    expect(stderr).toContain('Invoking loadImportChunk with a sample sqs event.');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    // "Hello from SQS!" is no import chunk: every record fails, so the invocation does.
    expect(stderr).toContain('All records failed processing');
  });

  it('names the functions there are when asked for one that is not', async () => {
    const { code, stderr } = await invokeCommand(['getHelth']);

    expect(code).toBe(1);
    expect(stderr).toMatch(/No function "getHelth" in serverless.yml. The functions are: .*getHealth/);
  });
});
