/**
 * Builds the web app (frontend/) with the repo's Vite into `outDir`: for the local stack
 * (infra/local/web-server.ts, each stack its own folder) and for publishing after a deploy
 * (infra/deploy/publish-aws.ts, a temporary folder). `signal` stops the build when its caller
 * gives up (a local stack's start interrupted).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../service-config';

const viteBin = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
export const viteConfig = join(repoRoot, 'frontend', 'vite.config.mts');

export async function buildWebApp(outDir: string, signal?: AbortSignal): Promise<void> {
  try {
    await promisify(execFile)(
      process.execPath,
      [viteBin, 'build', '--config', viteConfig, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
      { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024, signal },
    );
  } catch (error) {
    const { stderr, stdout, message } = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`The web app did not build: ${(stderr || stdout || message).trim().slice(-4000)}`, {
      cause: error,
    });
  }
}
