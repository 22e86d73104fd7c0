// npm run invoke through the running stack: a function invoked the way its trigger would, with
// AWS's sample event for that trigger (the HTTP route's, the custom resource's answered locally),
// or with an event given on standard input; a function error and an unknown function fail with a
// clear message and a non-zero exit code.
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

  it('fails with the function error when the function throws (an event that is not an S3 notification)', async () => {
    const { code, stdout, stderr } = await invokeCommand(['processUpload', '--event', '-'], '{"Records":"nope"}');

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/Records/);
  });

  it('runs the migrations custom resource and shows what CloudFormation would have received', async () => {
    const { code, stdout, stderr } = await invokeCommand(['migrateDatabase']);

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toBeNull();
    expect(stderr).toContain('CloudFormation would have received');
    const answer = JSON.parse(stderr.slice(stderr.indexOf('{')));
    expect(answer).toEqual(
      expect.objectContaining({
        Status: 'SUCCESS',
        LogicalResourceId: 'DatabaseMigrations',
        Reason: 'The schema was up to date',
        Data: { applied: 'none' },
      }),
    );
  });

  it('names the functions there are when asked for one that is not', async () => {
    const { code, stderr } = await invokeCommand(['getHelth']);

    expect(code).toBe(1);
    expect(stderr).toMatch(/No function "getHelth" in serverless.yml. The functions are: .*getHealth/);
  });
});
