/**
 * Packages serverless.yml once for all the template tests, offline and with no AWS credentials
 * or configuration at all: packaging must not need an account. The tests read what it writes to
 * `.serverless/` (packagedTemplatePath), and SHELF_TEST_PACKAGED says how and when it ran.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { frameworkEnv, repoRoot, serverlessBin } from '../../infra/service-config';

export const packageDir = join(repoRoot, '.serverless');
export const packagedTemplatePath = join(packageDir, 'cloudformation-template-update-stack.json');

/** What global setup packaged with, for the test that checks it (process.env carries it to the tests). */
export interface PackagingRun {
  startedAt: number;
  /** The AWS_* variables the framework saw, and their values. */
  awsEnvironment: Record<string, string | undefined>;
  home: string;
}

export default async function globalSetup(): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...frameworkEnv,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  for (const key of Object.keys(env)) if (key.startsWith('AWS_') && !key.endsWith('_FILE')) delete env[key];
  // No ~/.aws either.
  env.HOME = mkdtempSync(join(tmpdir(), 'shelf-no-aws-'));
  const run: PackagingRun = {
    startedAt: Date.now(),
    awsEnvironment: Object.fromEntries(Object.entries(env).filter(([key]) => key.startsWith('AWS_'))),
    home: env.HOME,
  };
  await promisify(execFile)(process.execPath, [serverlessBin, 'package', '--stage', 'dev'], { cwd: repoRoot, env });
  process.env.SHELF_TEST_PACKAGED = JSON.stringify(run);
}
