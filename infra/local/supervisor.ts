/**
 * Keeps track of everything the local stack starts so that all of it stops together: on Ctrl-C,
 * on SIGTERM, or when one part fails. Readiness is always a TCP port accepting connections,
 * never a log line.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export type Stop = () => Promise<void>;

export class Supervisor {
  private readonly stops: { name: string; stop: Stop }[] = [];
  private readonly children: ChildProcess[] = [];
  private stopping?: Promise<void>;
  private markStopped!: (error: Error) => void;
  /**
   * Rejects once stopping has begun: what still waits for a part to come up (waitForPort's
   * `failed`) gives up then instead of polling on.
   */
  readonly stopped = new Promise<never>((_, reject) => (this.markStopped = reject));

  constructor() {
    this.stopped.catch(() => undefined);
  }

  /**
   * Registers a part to stop; parts stop in the reverse order of starting. A part that comes up
   * after stopping began (it was still starting when another failed) is stopped at once.
   */
  add(name: string, stop: Stop): void {
    if (this.stopping) {
      void stop().catch((error: unknown) => console.error(`Stopping ${name} failed:`, error));
      return;
    }
    this.stops.push({ name, stop });
  }

  /**
   * Starts a child process; if it exits before `stopAll`, `onCrash` is told. Once stopping has
   * begun nothing new starts: it throws instead.
   */
  spawn(
    name: string,
    command: string,
    args: string[],
    options: SpawnOptions,
    onCrash: (error: Error) => void,
    /** Each chunk of its output, and the stream it came on. */
    onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void,
    stopSignal: NodeJS.Signals = 'SIGTERM',
  ): ChildProcess {
    if (this.stopping) throw new Error(`${name} was not started: the local stack is stopping`);
    // Its own process group: Ctrl-C reaches only the local stack, which then stops every part in
    // order instead of all of them dying at once.
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options });
    const output: string[] = [];
    const keep = (chunk: Buffer, stream: 'stdout' | 'stderr') => {
      // Once stopping, a child's dying words (e.g. esbuild's Go runtime complaining that its
      // parent went away) are noise, not news.
      if (!this.stopping) onOutput?.(chunk, stream);
      output.push(chunk.toString());
      if (output.length > 200) output.shift();
    };
    child.stdout?.on('data', (chunk: Buffer) => keep(chunk, 'stdout'));
    child.stderr?.on('data', (chunk: Buffer) => keep(chunk, 'stderr'));
    child.on('error', (error) => onCrash(new Error(`${name} could not start: ${error.message}`)));
    child.on('exit', (code, signal) => {
      if (!this.stopping) {
        onCrash(
          new Error(`${name} exited (${signal ?? `code ${code}`}). Its last output:\n${output.join('').slice(-4000)}`),
        );
      }
    });
    this.add(name, () => stopChild(child, stopSignal));
    this.children.push(child);
    return child;
  }

  /** The impatient way out (a second Ctrl-C): SIGKILL every child process now. */
  killAll(): void {
    for (const child of this.children) if (child.exitCode === null) child.kill('SIGKILL');
  }

  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      this.markStopped(new Error('the local stack is stopping'));
      for (const { name, stop } of this.stops.reverse()) {
        const patience = new AbortController();
        const timeout = delay(10_000, undefined, { signal: patience.signal }).then(
          () => console.error(`${name} did not stop within 10 s; moving on`),
          () => undefined,
        );
        await Promise.race([
          stop().catch((error: unknown) => console.error(`Stopping ${name} failed:`, error)),
          timeout,
        ]);
        patience.abort();
      }
    })();
    return this.stopping;
  }
}

/** SIGTERM (or `signal`), then SIGKILL if the child is still there after five seconds. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Stops an in-process server now: open keep-alive connections (SDK clients keep them) included. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function canConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls until the port accepts a connection; fails after `timeoutMs` or when `failed` rejects. */
export async function waitForPort(
  name: string,
  port: number,
  {
    host = '127.0.0.1',
    timeoutMs = 60_000,
    failed,
  }: { host?: string; timeoutMs?: number; failed?: Promise<never> } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const poll = (async () => {
    while (Date.now() < deadline) {
      if (await canConnect(port, host)) return;
      await delay(100);
    }
    throw new Error(`${name} did not open ${host}:${port} within ${timeoutMs / 1000} s`);
  })();
  await (failed ? Promise.race([poll, failed]) : poll);
}

/** Fails fast with a clear message when another program already holds a port we need. */
export async function assertPortFree(name: string, port: number, host = '127.0.0.1'): Promise<void> {
  if (await canConnect(port, host)) {
    throw new Error(
      `Port ${port} (${name}) is already in use. Stop what holds it, or choose another port (see README).`,
    );
  }
}
