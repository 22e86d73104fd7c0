/**
 * CloudWatch Logs on the local platform (a LocalService, infra/local/aws/local-service.ts). No
 * emulator: nothing in the shop calls the CloudWatch Logs API; Lambda writes the functions' logs.
 * Its part is what CloudWatch Logs does with them: the declared `AWS::Logs::LogGroup`s (a name
 * and an ARN, so that a Ref to one resolves), and the subscription filters with a function as
 * destination (subscriptions.ts), fed with the functions' output as serverless-offline prints it
 * (function-log-events.ts), each filter's pattern applied (filter-pattern.ts).
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { localAccountId, type LocalResource } from '../../local-resources';
import type { LocalService } from '../local-service';
import {
  declaredSubscriptions,
  logEventId,
  logsEvent,
  logStreamName,
  startLogSubscriptions,
  type LogsData,
  type Subscription,
} from './subscriptions';

export const logsService: LocalService<Record<string, never>, 'logs'> = {
  name: 'logs',

  resourceTypes: ['AWS::Logs::LogGroup'],

  createResources(declared, { intrinsics, region, config }) {
    const created = new Map<string, LocalResource>();
    for (const [logicalId, resource] of declared) {
      const { LogGroupName } = intrinsics.resolve(resource.Properties ?? {}) as { LogGroupName?: string };
      // Without a name CloudFormation makes one up: `<stack>-<logical id>-<random>`.
      const name = LogGroupName ?? `${config.service}-${config.provider.stage}-${logicalId}`;
      created.set(logicalId, {
        type: resource.Type,
        ref: name,
        arn: `arn:aws:logs:${region}:${localAccountId}:log-group:${name}:*`,
      });
    }
    return Promise.resolve(created);
  },

  startTriggers(context) {
    return Promise.resolve(startLogSubscriptions(context));
  },

  // `npm run invoke` of a subscription's destination: AWS's sample event (two `[ERROR]` lines),
  // from the subscription's log group, stream and filter.
  sampleEvent({ declared, config, functionKey, intrinsics, fixture }) {
    let subscription: Subscription | undefined;
    if (declared && 'cloudwatchLog' in declared) {
      const own = (config.functions[functionKey]?.events ?? []).filter((event) => 'cloudwatchLog' in event);
      const index = own.indexOf(declared) + 1 || 1;
      subscription = declaredSubscriptions(config, intrinsics).find(
        ({ declaredBy }) =>
          'functionKey' in declaredBy && declaredBy.functionKey === functionKey && declaredBy.index === index,
      );
    } else if (!declared) {
      subscription = declaredSubscriptions(config, intrinsics).find(
        ({ declaredBy, destinationKey }) => 'logicalId' in declaredBy && destinationKey === functionKey,
      );
    }
    if (!subscription) return undefined;
    const sample = fixture('cloudwatch-logs-event.json') as { awslogs: { data: string } };
    const data = JSON.parse(gunzipSync(Buffer.from(sample.awslogs.data, 'base64')).toString()) as LogsData;
    const now = Date.now();
    return logsEvent({
      ...data,
      owner: localAccountId,
      logGroup: subscription.logGroup,
      logStream: logStreamName(new Date(now), randomBytes(16).toString('hex')),
      subscriptionFilters: [subscription.filterName],
      logEvents: data.logEvents.map(({ message }, i) => ({ id: logEventId(now + i, i), timestamp: now + i, message })),
    });
  },
};
