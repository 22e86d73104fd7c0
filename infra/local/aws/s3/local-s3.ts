/**
 * S3 as the local stack runs it: s3rver keeps the buckets on the local disk and emits S3's
 * notifications; the front (s3-front.ts) checks every request as S3 does before passing it on.
 */
import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assertPortFree, closeServer, type Supervisor } from '../../supervisor';
import { localCredentials } from '../local-credentials';
import { startS3Front } from './s3-front';

/**
 * s3rver with its buckets in `directory` listens on a port of its own choosing, behind the front on
 * `port`. Clients get the front's endpoint; the notifications (s3-notifications.ts) listen to
 * `server`.
 */
export async function startS3(supervisor: Supervisor, port: number, directory: string) {
  await assertPortFree('S3 (s3rver behind its front)', port);
  const { default: S3rver } = await import('s3rver');
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true });
  const { port: s3rverPort } = await server.run();
  supervisor.add('S3 (s3rver)', () => closeServer((server as unknown as { httpServer: Server }).httpServer));
  const { store } = server as unknown as { store: S3rverStore };
  const front = await startS3Front({
    port,
    upstream: { host: '127.0.0.1', port: s3rverPort },
    secrets: new Map([[localCredentials.accessKeyId, localCredentials.secretAccessKey]]),
    // Beside the buckets' folder: s3rver takes every folder in it for a bucket.
    spoolDir: join(dirname(directory), 's3-front'),
    corsHeaders: async (bucket, origin, method) => {
      const rule = (await store.getSubresource(bucket, undefined, 'cors'))?.matchRule(origin, method);
      return rule
        ? {
            'access-control-allow-origin': rule.hasWildcardOrigin ? '*' : origin,
            ...(rule.exposeHeaders.length ? { 'access-control-expose-headers': rule.exposeHeaders.join(', ') } : {}),
            vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
          }
        : {};
    },
  });
  supervisor.add('S3 front', () => front.stop());
  return { endpoint: front.url, server };
}

/** The part of s3rver's store the front reads: a bucket's CORS rules, as s3rver matches them. */
interface S3rverStore {
  getSubresource(
    bucket: string,
    key: undefined,
    type: 'cors',
  ): Promise<{
    matchRule(origin: string, method: string): { hasWildcardOrigin: boolean; exposeHeaders: string[] } | undefined;
  } | null>;
}
