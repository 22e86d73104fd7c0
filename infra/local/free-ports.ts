/**
 * Ports the operating system says are free, for stacks that must not depend on fixed ports (the
 * integration tests' stacks: `npm test` runs beside an `npm start`, or on a machine where 3100 is
 * someone else's). All are held open together while they are chosen, so no two are the same.
 */
import { createServer, type Server } from 'node:net';

function listenOnAnyPort(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => resolve(server));
  });
}

export async function freePorts<K extends string>(names: readonly K[], host = '127.0.0.1'): Promise<Record<K, number>> {
  const servers = await Promise.all(names.map(() => listenOnAnyPort(host)));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return Object.fromEntries(names.map((name, i) => [name, ports[i]!])) as Record<K, number>;
}
