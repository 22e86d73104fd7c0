/**
 * EventBridge on the local platform (a LocalService, infra/local/aws/local-service.ts): the small
 * emulator of eventbridge-emulator.ts on its port, the stack's AWS::Events::EventBus resources
 * created on it through the SDK, and functions pointed at it with AWS_ENDPOINT_URL_EVENTBRIDGE.
 * .local/stack.json gets `domainEvents`: the URL of the JSON list of what the shop's domain event
 * bus received (labs and tests read it). Its triggers: the functions' `schedule` events
 * (schedules.ts) and the rules on the buses (rules.ts, listening through the emulator's onEvent),
 * both on the async-invoke core.
 */
import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  EventBridgeClient,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-eventbridge';
import type { LocalResource } from '../../local-resources';
import type { LocalService, StartedService } from '../local-service';
import { startEventBridgeEmulator, type EventBridgeEmulator } from './eventbridge-emulator';
import { startRules } from './rules';
import { declaredSchedules, scheduledEvent, startSchedules } from './schedules';

export interface StartedEventBridge extends StartedService {
  endpoint: string;
  emulator: EventBridgeEmulator;
  stackInfo: Record<string, unknown>;
  region: { name: string };
}

/** The logical id of the shop's domain event bus (infra/resources/events.yml). */
const domainEventBusId = 'DomainEventBus';

export const eventbridgeService: LocalService<StartedEventBridge, 'eventbridge'> = {
  name: 'eventbridge',
  defaultPort: 4010,

  async start(context) {
    const { port, supervisor } = context;
    // Known once serverless.yml is read (createResources); nothing calls the emulator before that.
    const region = { name: 'us-east-1' };
    const emulator = await startEventBridgeEmulator({
      port,
      region: () => region.name,
      log: (line) => context.log(line),
    });
    supervisor.add('EventBridge (local)', () => emulator.stop());
    return {
      endpoint: emulator.url,
      functionEnv: { AWS_ENDPOINT_URL_EVENTBRIDGE: emulator.url },
      // Filled in with the domain event bus's URL once the buses exist (createResources).
      stackInfo: {},
      emulator,
      region,
    };
  },

  resourceTypes: ['AWS::Events::EventBus'],

  async createResources(declared, { started, region, credentials, intrinsics }) {
    started.region.name = region;
    const client = new EventBridgeClient({ endpoint: started.endpoint, region, credentials });
    const created = new Map<string, LocalResource>();
    try {
      for (const [logicalId, resource] of declared) {
        const { Name: name } = intrinsics.resolve(resource.Properties ?? {}) as { Name?: string };
        if (!name) throw new Error(`${logicalId}: an AWS::Events::EventBus needs a Name`);
        let arn: string | undefined;
        try {
          ({ EventBusArn: arn } = await client.send(new CreateEventBusCommand({ Name: name })));
        } catch (error) {
          if (!(error instanceof ResourceAlreadyExistsException)) throw error;
          ({ Arn: arn } = await client.send(new DescribeEventBusCommand({ Name: name })));
        }
        // Ref gives the bus's name, GetAtt Arn its ARN, as in CloudFormation.
        created.set(logicalId, { type: resource.Type, ref: name, arn });
        if (logicalId === domainEventBusId) {
          started.stackInfo.domainEvents = `${started.endpoint}/events?bus=${encodeURIComponent(name)}`;
        }
      }
    } finally {
      client.destroy();
    }
    return created;
  },

  // The functions' schedules, and the rules on the buses (rules.ts): both invoke asynchronously.
  startTriggers(context) {
    const parts = [startSchedules(context), startRules({ ...context, emulator: context.started.emulator })];
    return Promise.resolve({
      sources: parts.flatMap((part) => part.sources),
      idle: async () => void (await Promise.all(parts.map((part) => part.idle()))),
      stop: async () => void (await Promise.all(parts.map((part) => part.stop()))),
    });
  },

  // `npm run invoke` of a scheduled function: the event its (first) schedule would send now.
  sampleEvent({ declared, config, region, functionKey }) {
    if (!declared || !('schedule' in declared)) return undefined;
    const schedule = declaredSchedules({
      ...config,
      functions: { [functionKey]: { ...config.functions[functionKey]!, events: [declared] } },
    })[0];
    if (!schedule) return undefined;
    return schedule.input ?? scheduledEvent({ region, ruleName: schedule.ruleName, time: new Date() });
  },
};
