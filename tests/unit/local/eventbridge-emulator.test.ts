// The local EventBridge (infra/local/aws/eventbridge/): the real @aws-sdk/client-eventbridge against
// the emulator started on a free port, and its service module creating the stack's buses.
import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  PutEventsCommand,
  PutRuleCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import {
  startEventBridgeEmulator,
  type EventBridgeEmulator,
} from '../../../infra/local/aws/eventbridge/eventbridge-emulator';
import { eventbridgeService } from '../../../infra/local/aws/eventbridge/service';
import type { ResourceContext, ServiceStartContext } from '../../../infra/local/aws/local-service';
import { Intrinsics, type LocalResource } from '../../../infra/local/local-resources';
import { Supervisor } from '../../../infra/local/supervisor';

const region = 'eu-central-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let emulator: EventBridgeEmulator;
let client: EventBridgeClient;
const logged: string[] = [];

const entry = (overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: 'shop-events',
  Source: 'shelf.catalog',
  DetailType: 'PriceChanged',
  Detail: JSON.stringify({ sku: 'TEA-1', newPrice: { cents: 990, currency: 'EUR' } }),
  ...overrides,
});

const listed = async (bus: string) => {
  const response = await fetch(`${emulator.url}/events?bus=${encodeURIComponent(bus)}`);
  return { status: response.status, body: await response.json() };
};

beforeAll(async () => {
  emulator = await startEventBridgeEmulator({ port: 0, region, maxEventsPerBus: 3, log: (line) => logged.push(line) });
  client = new EventBridgeClient({ endpoint: emulator.url, region, credentials });
  await client.send(new CreateEventBusCommand({ Name: 'shop-events' }));
});

afterAll(async () => {
  client.destroy();
  await emulator.stop();
});

describe('event buses', () => {
  it('creates a bus with an ARN in the local region and account, and describes it', async () => {
    const { EventBusArn } = await client.send(new CreateEventBusCommand({ Name: 'orders.events_v2-1' }));
    const described = await client.send(new DescribeEventBusCommand({ Name: 'orders.events_v2-1' }));

    expect(EventBusArn).toBe(`arn:aws:events:${region}:000000000000:event-bus/orders.events_v2-1`);
    expect(described).toMatchObject({ Name: 'orders.events_v2-1', Arn: EventBusArn });
    expect(described.CreationTime).toBeInstanceOf(Date);
    await expect(client.send(new DescribeEventBusCommand({ Name: EventBusArn }))).resolves.toMatchObject({
      Name: 'orders.events_v2-1',
    });
  });

  it('has the default bus, and describes it when no name is given', async () => {
    await expect(client.send(new DescribeEventBusCommand({}))).resolves.toMatchObject({
      Name: 'default',
      Arn: `arn:aws:events:${region}:000000000000:event-bus/default`,
    });
  });

  it('refuses a bus that exists already, and tells of one that does not', async () => {
    await expect(client.send(new CreateEventBusCommand({ Name: 'shop-events' }))).rejects.toBeInstanceOf(
      ResourceAlreadyExistsException,
    );
    await expect(client.send(new DescribeEventBusCommand({ Name: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it.each([
    ['with a space', 'has spaces'],
    ["starting with 'aws.'", 'aws.reserved'],
    ['of 257 characters', 'x'.repeat(257)],
  ])('refuses a bus name %s', async (_, name) => {
    await expect(client.send(new CreateEventBusCommand({ Name: name }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('lists buses by name, with a prefix and in pages', async () => {
    await client.send(new CreateEventBusCommand({ Name: 'list-a' }));
    await client.send(new CreateEventBusCommand({ Name: 'list-b' }));

    const first = await client.send(new ListEventBusesCommand({ NamePrefix: 'list-', Limit: 1 }));
    const second = await client.send(
      new ListEventBusesCommand({ NamePrefix: 'list-', Limit: 1, NextToken: first.NextToken }),
    );

    expect(first.EventBuses?.map((bus) => bus.Name)).toEqual(['list-a']);
    expect(second.EventBuses?.map((bus) => bus.Name)).toEqual(['list-b']);
    expect(second.NextToken).toBeUndefined();
    const all = await client.send(new ListEventBusesCommand({}));
    expect(all.EventBuses?.map((bus) => bus.Name)).toEqual(expect.arrayContaining(['default', 'shop-events']));
  });
});

describe('PutEvents', () => {
  it('accepts an event, gives it an id, and lists it as EventBridge delivers it', async () => {
    const response = await client.send(
      new PutEventsCommand({
        Entries: [entry({ Time: new Date('2026-12-02T20:05:00Z'), Resources: ['arn:aws:dynamodb:x:y:table/t'] })],
      }),
    );

    expect(response.FailedEntryCount).toBe(0);
    const id = response.Entries?.[0]?.EventId;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const { status, body } = await listed('shop-events');
    expect(status).toBe(200);
    expect((body as unknown[]).at(-1)).toEqual({
      version: '0',
      id,
      'detail-type': 'PriceChanged',
      source: 'shelf.catalog',
      account: '000000000000',
      time: '2026-12-02T20:05:00Z',
      region,
      resources: ['arn:aws:dynamodb:x:y:table/t'],
      detail: { sku: 'TEA-1', newPrice: { cents: 990, currency: 'EUR' } },
    });
  });

  it("takes the bus's ARN as its name, and the default bus when none is named", async () => {
    const arn = `arn:aws:events:${region}:000000000000:event-bus/shop-events`;

    const response = await client.send(
      new PutEventsCommand({ Entries: [entry({ EventBusName: arn }), entry({ EventBusName: undefined })] }),
    );

    expect(response.FailedEntryCount).toBe(0);
    expect(emulator.events('default')).toHaveLength(1);
  });

  it.each([
    [
      'no Source',
      { Source: undefined },
      'InvalidArgument',
      'Parameter Source is not valid. Reason: Source is a required argument.',
    ],
    [
      'no DetailType',
      { DetailType: '' },
      'InvalidArgument',
      'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
    ],
    [
      'no Detail',
      { Detail: undefined },
      'InvalidArgument',
      'Parameter Detail is not valid. Reason: Detail is a required argument.',
    ],
    ['a Detail that is not JSON', { Detail: '{"sku":' }, 'MalformedDetail', 'Detail is malformed.'],
    ['a Detail that is a JSON array', { Detail: '[1,2]' }, 'MalformedDetail', 'Detail is malformed.'],
    ['a Detail that is a JSON string', { Detail: '"TEA-1"' }, 'MalformedDetail', 'Detail is malformed.'],
    ['a source of AWS', { Source: 'aws.s3' }, 'NotAuthorizedForSourceException', 'Not authorized for the source.'],
    [
      'a bus that does not exist',
      { EventBusName: 'shop-evnets' },
      'InvalidArgument',
      'Event bus shop-evnets does not exist.',
    ],
  ])('fails an entry with %s alone, accepting the others', async (_, overrides, code, message) => {
    const before = emulator.events('shop-events')!.at(-1)?.id;

    const response = await client.send(new PutEventsCommand({ Entries: [entry(overrides), entry()] }));

    expect(response.FailedEntryCount).toBe(1);
    expect(response.Entries?.[0]).toEqual({ ErrorCode: code, ErrorMessage: message });
    expect(response.Entries?.[1]?.EventId).toBeDefined();
    const kept = emulator.events('shop-events')!;
    expect(kept.at(-1)?.id).toBe(response.Entries?.[1]?.EventId);
    expect(kept.at(-2)?.id).toBe(before);
  });

  it('refuses a request of more than 10 entries, or of none, as a whole', async () => {
    const eleven = Array.from({ length: 11 }, () => entry());

    await expect(client.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(client.send(new PutEventsCommand({ Entries: [] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('refuses entries over 256 KB in all, counted as AWS counts them', async () => {
    const detail = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes) });
    const fixed = 'shelf.catalog'.length + 'PriceChanged'.length + detail(0).length;
    const exactly = entry({ Detail: detail(256 * 1024 - fixed) });

    await expect(client.send(new PutEventsCommand({ Entries: [exactly] }))).resolves.toMatchObject({
      FailedEntryCount: 0,
    });
    await expect(
      client.send(new PutEventsCommand({ Entries: [entry({ Detail: detail(256 * 1024 - fixed + 1) })] })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('over the limit') });
  });

  it('keeps the newest events of a bus, a bounded number, newest last', async () => {
    await client.send(new CreateEventBusCommand({ Name: 'bounded' }));
    for (const n of [1, 2, 3, 4, 5]) {
      await client.send(
        new PutEventsCommand({ Entries: [entry({ EventBusName: 'bounded', Detail: JSON.stringify({ n }) })] }),
      );
    }

    const { body } = await listed('bounded');

    expect((body as { detail: { n: number } }[]).map((event) => event.detail.n)).toEqual([3, 4, 5]);
  });

  it('hands every accepted event to its listeners (the seam for rules and targets), and stops when told', async () => {
    const seen: string[] = [];
    const stop = emulator.onEvent((bus, event) => seen.push(`${bus} ${event['detail-type']}`));

    await client.send(new PutEventsCommand({ Entries: [entry(), entry({ Source: '' })] }));
    stop();
    await client.send(new PutEventsCommand({ Entries: [entry()] }));

    expect(seen).toEqual(['shop-events PriceChanged']);
  });

  it('never fails PutEvents for a failing listener, and says so', async () => {
    const stop = emulator.onEvent(() => {
      throw new Error('rule matcher bug');
    });

    const response = await client.send(new PutEventsCommand({ Entries: [entry()] }));
    stop();

    expect(response.FailedEntryCount).toBe(0);
    expect(logged.at(-1)).toContain('rule matcher bug');
  });
});

describe('the rest of the API', () => {
  it('answers an operation it does not serve with UnknownOperationException', async () => {
    await expect(
      client.send(new PutRuleCommand({ Name: 'r', EventPattern: '{"source":["shelf.catalog"]}' })),
    ).rejects.toMatchObject({ name: 'UnknownOperationException' });
  });

  it('answers 404 for the events of a bus that does not exist', async () => {
    await expect(listed('nope')).resolves.toEqual({
      status: 404,
      body: { message: 'Event bus nope does not exist.' },
    });
  });
});

describe('eventbridgeService', () => {
  it("starts the emulator, creates the stack's buses through the API, and points functions and the stack file at it", async () => {
    const supervisor = new Supervisor();
    const config = {
      service: 'shelf',
      provider: { region, stage: 'test' },
      functions: {},
      resources: {
        Resources: {
          DomainEventBus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'shelf-test-domain-events' } },
        },
      },
    };
    try {
      const started = await eventbridgeService.start!({
        config,
        region,
        port: 0,
        supervisor,
        log: () => undefined,
      } as unknown as ServiceStartContext);
      const declared = Object.entries(config.resources.Resources);
      const created = await eventbridgeService.createResources!(declared, {
        config,
        region,
        started,
        credentials,
        intrinsics: new Intrinsics({ 'AWS::Region': region }, new Map<string, LocalResource>()),
      } as unknown as ResourceContext<typeof started>);

      expect(eventbridgeService.name).toBe('eventbridge');
      expect(eventbridgeService.defaultPort).toBe(4010);
      expect(started.functionEnv).toEqual({ AWS_ENDPOINT_URL_EVENTBRIDGE: started.endpoint });
      expect(created.get('DomainEventBus')).toEqual({
        type: 'AWS::Events::EventBus',
        ref: 'shelf-test-domain-events',
        arn: `arn:aws:events:${region}:000000000000:event-bus/shelf-test-domain-events`,
      });
      const list = await fetch(started.stackInfo.domainEvents as string);
      expect(started.stackInfo.domainEvents).toBe(`${started.endpoint}/events?bus=shelf-test-domain-events`);
      expect(list.status).toBe(200);
      await expect(list.json()).resolves.toEqual([]);
    } finally {
      await supervisor.stopAll();
    }
  });
});
