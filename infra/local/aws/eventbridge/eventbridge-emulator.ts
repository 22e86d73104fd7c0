/**
 * A small local EventBridge: an HTTP server on 127.0.0.1 that speaks EventBridge's JSON 1.1
 * protocol (POST / with `X-Amz-Target: AWSEvents.<Operation>`), so `@aws-sdk/client-eventbridge`
 * runs against it unchanged (AWS_ENDPOINT_URL_EVENTBRIDGE). No usable emulator exists
 * (../shared/TOOLCHAIN.md, "EventBridge"), and the shop needs little of one:
 * - CreateEventBus, DescribeEventBus, ListEventBuses: custom buses beside `default`;
 * - PutEvents, validated as AWS does: 1 to 10 entries, 256 KB at most in all (sized as AWS sizes
 *   them), Source, DetailType and Detail required, Detail a JSON object, no `aws.` sources. One
 *   deliberate difference: an entry for a bus that does not exist fails (InvalidArgument), where
 *   AWS answers success and drops it (aws/aws-sdk#186): a misspelt bus shows locally.
 * Events it accepts are kept, newest last, a bounded number per bus, and served as the JSON list
 * of events as EventBridge delivers them to targets at `GET /events?bus=<name>`, for tests and labs.
 *
 * Rules and targets are the platform's (rules.ts), through onEvent(): every accepted event is
 * handed to its listeners, and the rules pick their targets from there.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An event as EventBridge hands it to a target. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export type EventListener = (busName: string, event: BusEvent) => void;

export interface EventBridgeEmulatorOptions {
  /** 0: any free port. */
  port: number;
  /**
   * The region in ARNs and events: a function, because the stack knows it only once serverless.yml
   * is read, after the emulators have started.
   */
  region: string | (() => string);
  accountId?: string;
  /** Events kept per bus, the oldest dropped first. */
  maxEventsPerBus?: number;
  /** Where a listener's failure is told (it never fails the PutEvents that brought the event). */
  log?: (line: string) => void;
}

export interface EventBridgeEmulator {
  /** e.g. http://127.0.0.1:4010 */
  readonly url: string;
  /** The events a bus accepted, oldest first; undefined for a bus that does not exist. */
  events(busName: string): BusEvent[] | undefined;
  /** Calls `listener` with every event accepted from now on; returns the way to stop. */
  onEvent(listener: EventListener): () => void;
  stop(): Promise<void>;
}

interface Bus {
  name: string;
  description?: string;
  created: number;
  events: BusEvent[];
}

/** A request EventBridge refuses as a whole: its error type and HTTP status. */
class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** What PutEvents accepts in one request, summed over its entries (AWS's entry size). */
export const maxPutEventsBytes = 256 * 1024;
const maxEntriesPerRequest = 10;
/** Requests above this are refused before parsing (far above any valid one). */
const maxRequestBytes = 1024 * 1024;
const busNamePattern = /^[.\-_A-Za-z0-9]{1,256}$/;

type Json = Record<string, unknown>;

/**
 * An entry's size as EventBridge counts it: Time 14 bytes if set, then the UTF-8 bytes of Source,
 * DetailType, Detail and each of Resources.
 */
export function putEventsEntrySize(entry: Json): number {
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    resources.reduce((sum: number, resource) => sum + bytes(resource), 0)
  );
}

/** Epoch seconds (JSON 1.1 timestamps) as EventBridge writes an event's time. */
const eventTime = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function startEventBridgeEmulator(options: EventBridgeEmulatorOptions): Promise<EventBridgeEmulator> {
  const { accountId = '000000000000', maxEventsPerBus = 1000, log = console.error } = options;
  const regionOf = typeof options.region === 'function' ? options.region : () => options.region as string;
  const buses = new Map<string, Bus>();
  const listeners = new Set<EventListener>();

  const arnOf = (name: string) => `arn:aws:events:${regionOf()}:${accountId}:event-bus/${name}`;
  const addBus = (name: string, description?: string): Bus => {
    const bus: Bus = { name, created: Math.floor(Date.now() / 1000), events: [], description };
    buses.set(name, bus);
    return bus;
  };
  addBus('default');

  /** A bus named by name or ARN (EventBusName, Name). */
  const busNameOf = (nameOrArn: unknown): string => {
    if (nameOrArn === undefined || nameOrArn === null || nameOrArn === '') return 'default';
    if (typeof nameOrArn !== 'string')
      throw new ServiceError('ValidationException', 'The event bus name is not a string.');
    return /^arn:aws[\w-]*:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn)?.[1] ?? nameOrArn;
  };
  const describe = (bus: Bus) => ({
    Name: bus.name,
    Arn: arnOf(bus.name),
    ...(bus.description ? { Description: bus.description } : {}),
    CreationTime: bus.created,
    LastModifiedTime: bus.created,
  });

  function putEvents(request: Json) {
    const entries = request.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > maxEntriesPerRequest) {
      throw new ServiceError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ` +
          `between 1 and ${maxEntriesPerRequest}`,
      );
    }
    const size = entries.reduce((sum: number, entry) => sum + putEventsEntrySize((entry ?? {}) as Json), 0);
    if (size > maxPutEventsBytes) {
      throw new ServiceError('ValidationException', 'Total size of the entries in the request is over the limit.');
    }
    const results = (entries as Json[]).map((entry) => {
      const problem = entryProblem(entry ?? {});
      if (problem) return { ErrorCode: problem[0], ErrorMessage: problem[1] };
      const bus = buses.get(busNameOf(entry.EventBusName))!;
      const event: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType as string,
        source: entry.Source as string,
        account: accountId,
        time: eventTime(typeof entry.Time === 'number' ? entry.Time : Date.now() / 1000),
        region: regionOf(),
        resources: Array.isArray(entry.Resources) ? (entry.Resources as string[]) : [],
        detail: JSON.parse(entry.Detail as string) as Record<string, unknown>,
      };
      bus.events.push(event);
      if (bus.events.length > maxEventsPerBus) bus.events.splice(0, bus.events.length - maxEventsPerBus);
      for (const listener of listeners) {
        try {
          listener(bus.name, event);
        } catch (error) {
          log(`EventBridge (local): a listener failed on event ${event.id}: ${String(error)}`);
        }
      }
      return { EventId: event.id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  /** Why EventBridge fails this entry alone (error code and message), or undefined. */
  function entryProblem(entry: Json): [string, string] | undefined {
    const required = (name: string) =>
      typeof entry[name] !== 'string' || entry[name] === ''
        ? (['InvalidArgument', `Parameter ${name} is not valid. Reason: ${name} is a required argument.`] as [
            string,
            string,
          ])
        : undefined;
    const missing = required('Source') ?? required('DetailType') ?? required('Detail');
    if (missing) return missing;
    if ((entry.Source as string).startsWith('aws.')) {
      return ['NotAuthorizedForSourceException', 'Not authorized for the source.'];
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail as string);
    } catch {
      return ['MalformedDetail', 'Detail is malformed.'];
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return ['MalformedDetail', 'Detail is malformed.'];
    }
    let busName: string;
    try {
      busName = busNameOf(entry.EventBusName);
    } catch (error) {
      return ['InvalidArgument', (error as Error).message];
    }
    if (!buses.has(busName)) return ['InvalidArgument', `Event bus ${busName} does not exist.`];
    return undefined;
  }

  function createEventBus(request: Json) {
    const name = request.Name;
    if (typeof name !== 'string' || !busNamePattern.test(name)) {
      throw new ServiceError(
        'ValidationException',
        "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must satisfy regular " +
          'expression pattern: [\\.\\-_A-Za-z0-9]+ (1 to 256 characters)',
      );
    }
    if (name.startsWith('aws.')) {
      throw new ServiceError('ValidationException', "Event bus name must not start with 'aws.'.");
    }
    if (buses.has(name)) throw new ServiceError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    const bus = addBus(name, typeof request.Description === 'string' ? request.Description : undefined);
    return { EventBusArn: arnOf(bus.name), ...(bus.description ? { Description: bus.description } : {}) };
  }

  function describeEventBus(request: Json) {
    const name = busNameOf(request.Name);
    const bus = buses.get(name);
    if (!bus) throw new ServiceError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return describe(bus);
  }

  function listEventBuses(request: Json) {
    const prefix = typeof request.NamePrefix === 'string' ? request.NamePrefix : '';
    const limit = typeof request.Limit === 'number' ? Math.min(Math.max(request.Limit, 1), 100) : 100;
    const start = typeof request.NextToken === 'string' ? Number(request.NextToken) : 0;
    if (!Number.isInteger(start) || start < 0)
      throw new ServiceError('ValidationException', 'The NextToken is not valid.');
    const matching = [...buses.values()]
      .filter((bus) => bus.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
    const page = matching.slice(start, start + limit);
    return {
      EventBuses: page.map(describe),
      ...(start + limit < matching.length ? { NextToken: String(start + limit) } : {}),
    };
  }

  const operations: Record<string, (request: Json) => unknown> = {
    PutEvents: putEvents,
    CreateEventBus: createEventBus,
    DescribeEventBus: describeEventBus,
    ListEventBuses: listEventBuses,
  };

  const send = (
    response: ServerResponse,
    status: number,
    body: unknown,
    contentType = 'application/x-amz-json-1.1',
  ) => {
    response.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': randomUUID() });
    response.end(JSON.stringify(body));
  };
  const sendError = (response: ServerResponse, error: ServiceError) => {
    response.setHeader('x-amzn-errortype', error.type);
    send(response, error.status, { __type: error.type, message: error.message });
  };

  async function readBody(request: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > maxRequestBytes) throw new ServiceError('ValidationException', 'Request is too large.', 413);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && url.pathname === '/events') {
      const name = url.searchParams.get('bus') ?? 'default';
      const events = buses.get(name)?.events;
      if (!events) return send(response, 404, { message: `Event bus ${name} does not exist.` }, 'application/json');
      return send(response, 200, events, 'application/json');
    }
    const target = request.headers['x-amz-target'];
    if (request.method !== 'POST' || url.pathname !== '/' || typeof target !== 'string') {
      return send(
        response,
        404,
        { message: 'Not found: POST / with X-Amz-Target, or GET /events?bus=' },
        'application/json',
      );
    }
    try {
      const operation = operations[target.replace(/^AWSEvents\./, '')];
      if (!target.startsWith('AWSEvents.') || !operation) {
        throw new ServiceError('UnknownOperationException', `This local EventBridge does not serve ${target}.`);
      }
      let parsed: unknown;
      try {
        const body = await readBody(request);
        parsed = body === '' ? {} : JSON.parse(body);
      } catch (error) {
        if (error instanceof ServiceError) throw error;
        throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new ServiceError('SerializationException', 'The request body is not a JSON object.');
      }
      send(response, 200, operation(parsed as Json));
    } catch (error) {
      if (error instanceof ServiceError) return sendError(response, error);
      sendError(response, new ServiceError('InternalException', (error as Error).message, 500));
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, new ServiceError('InternalException', String(error), 500));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    events: (busName) => buses.get(busName)?.events.slice(),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
