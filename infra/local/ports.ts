/**
 * The local stack's ports: the web app's and serverless-offline's three, and one per service of
 * services.ts that runs an emulator, each movable with its variable (SHELF_<NAME>_PORT unless the
 * module names another). npm start reads them all (start.ts), test stacks take free ones
 * (free-ports.ts), CI holds the defaults while the tests run (.ci/run runs this file).
 */
import { services, type ServiceName } from './aws/services';
import { freePorts } from './free-ports';

const corePorts = { web: 8080, api: 3000, lambda: 3002, websocket: 3001 };

export type PortName = keyof typeof corePorts | ServiceName;

/** A service without an emulator (no defaultPort) has no port here. */
export type ShelfPorts = Record<PortName, number>;

export const defaultPorts = {
  ...corePorts,
  ...Object.fromEntries(services.flatMap((s) => (s.defaultPort === undefined ? [] : [[s.name, s.defaultPort]]))),
} as ShelfPorts;

export const portNames = Object.keys(defaultPorts) as PortName[];

export function portVariable(name: PortName): string {
  const service: { portVariable?: string } | undefined = services.find((s) => s.name === name);
  return service?.portVariable ?? `SHELF_${name.toUpperCase()}_PORT`;
}

/** Every port from its variable, or its default. */
export function portsFromEnv(env: NodeJS.ProcessEnv = process.env): ShelfPorts {
  const ports = { ...defaultPorts };
  for (const name of portNames) {
    const variable = portVariable(name);
    const value = env[variable];
    if (value === undefined) continue;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535) {
      throw new Error(`${variable} must be a port number, not "${value}"`);
    }
    ports[name] = parsed;
  }
  return ports;
}

/** The variables that give a stack these ports (what a test sets for the `npm start` it runs). */
export function portEnv(ports: ShelfPorts): Record<string, string> {
  return Object.fromEntries(portNames.map((name) => [portVariable(name), String(ports[name])]));
}

/** A port the system says is free for every part: a stack beside any other (the tests' stacks). */
export function freeShelfPorts(): Promise<ShelfPorts> {
  return freePorts(portNames);
}

// `node --import tsx infra/local/ports.ts`: the default ports, for CI to hold while npm test runs
// (.ci/run).
if (require.main === module) console.log(Object.values(defaultPorts).join(' '));
