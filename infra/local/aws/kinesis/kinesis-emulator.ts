/**
 * The local Kinesis: kinesalite, in this process. It speaks Kinesis's JSON wire protocol over
 * HTTP/1.1 (the SDK needs its HTTP/1.1 handler for it: shared/adapters/kinesis/client.ts).
 *
 * Chosen over kinesis-local (kinesis-mock's JavaScript build): measured here on Node 24, kinesalite
 * listens ~0.1 s after it is loaded and adds ~10 MB to the process; kinesis-local is a separate
 * ~230 MB process that takes ~7 s to start and must run from its own package folder.
 * With `path` the streams (and their records, for the stream's retention) are kept in LevelDB
 * across restarts, like the other emulators' data; without it, in memory.
 */
import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import kinesalite from 'kinesalite';

export interface RunningKinesis {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export async function startKinesis(options: { port: number; path?: string }): Promise<RunningKinesis> {
  if (options.path) mkdirSync(options.path, { recursive: true });
  const server: Server = kinesalite({
    ...(options.path ? { path: options.path } : {}),
    // A new stream is ACTIVE this soon (AWS takes seconds): the resource step still waits for it.
    createStreamMs: 50,
    deleteStreamMs: 50,
    updateStreamMs: 50,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: nothing outside this machine reaches the local stack's stream.
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('kinesalite has no TCP address');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    // kinesalite's close closes its LevelDB first (releasing the folder's lock), then the server.
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients keep connections alive; close them now rather than wait for their timeout.
        server.closeAllConnections();
      }),
  };
}
