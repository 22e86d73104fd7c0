/**
 * S3 event notifications to Lambda, as S3 sends them: a bucket's NotificationConfiguration in
 * serverless.yml (its LambdaConfigurations: event, prefix and suffix rules, the function) is matched
 * against what s3rver emits, and each match is an asynchronous invocation (the one core,
 * lambda/async-invoke.ts: retries, event age, destinations) with the event S3 would send.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import type S3rver from 's3rver';
import type { ServiceConfig } from '../../../service-config';
import { startAsyncInvocations, type AsyncTiming } from '../../lambda/async-invoke';
import { referencedFunctionKey } from '../../lambda/invoke';
import type { Intrinsics, LocalResource } from '../../local-resources';
import type { RunningTriggers, StartedService, TriggerContext } from '../local-service';

/**
 * The function a notification's `Function` names: `Fn::GetAtt: [XLambdaFunction, Arn]` (either
 * form) or a literal function ARN.
 */
export function notificationFunctionKey(reference: unknown, config: ServiceConfig): string {
  const key = referencedFunctionKey(reference, config);
  if (!key) {
    throw new Error(`S3 notification names ${JSON.stringify(reference)}, which is not a function of this service`);
  }
  return key;
}

export interface S3KeyRule {
  name: 'prefix' | 'suffix';
  value: string;
}

export interface S3Notification {
  bucketId: string;
  bucket: string;
  configurationId: string;
  /** As declared, e.g. `s3:ObjectCreated:*`. */
  event: string;
  rules: S3KeyRule[];
  functionKey: string;
}

interface LambdaConfiguration {
  Event: string;
  Filter?: { S3Key?: { Rules?: { Name: string; Value: string }[] } };
  Function: unknown;
  Id?: string;
}

/** Every bucket's LambdaConfigurations, one entry per configuration. */
export function s3Notifications(
  config: ServiceConfig,
  resources: Map<string, LocalResource>,
  intrinsics: Intrinsics,
): S3Notification[] {
  const notifications: S3Notification[] = [];
  for (const [bucketId, resource] of Object.entries(config.resources.Resources)) {
    if (resource.Type !== 'AWS::S3::Bucket') continue;
    const notification = resource.Properties?.NotificationConfiguration as
      { LambdaConfigurations?: LambdaConfiguration[] } | undefined;
    const configurations = notification?.LambdaConfigurations ?? [];
    if (!configurations.length) continue;
    const bucket = resources.get(bucketId)?.ref;
    if (!bucket) throw new Error(`Bucket ${bucketId} has notifications but was not created locally`);
    configurations.forEach((configuration, index) => {
      // Function is left unresolved: its GetAtt names a resource the local stack does not have.
      const filter = intrinsics.resolve(configuration.Filter ?? {}) as LambdaConfiguration['Filter'];
      notifications.push({
        bucketId,
        bucket,
        configurationId: configuration.Id ?? `${bucketId}-LambdaConfiguration-${index + 1}`,
        event: String(intrinsics.resolve(configuration.Event)),
        rules: (filter?.S3Key?.Rules ?? []).map((rule) => {
          const name = rule.Name.toLowerCase();
          if (name !== 'prefix' && name !== 'suffix') {
            throw new Error(`${bucketId}: S3 key filter rule ${rule.Name} is neither prefix nor suffix`);
          }
          return { name, value: rule.Value };
        }),
        functionKey: notificationFunctionKey(configuration.Function, config),
      });
    });
  }
  return notifications;
}

/** `s3:ObjectCreated:*` matches every ObjectCreated event; any other name matches itself only. */
export function matchesEventName(pattern: string, eventName: string): boolean {
  const wanted = pattern.replace(/^s3:/, '');
  const actual = eventName.replace(/^s3:/, '');
  return wanted.endsWith(':*') ? actual.startsWith(wanted.slice(0, -1)) : wanted === actual;
}

/** S3 compares prefix and suffix with the decoded key, case-sensitively. */
export function matchesKeyRules(rules: S3KeyRule[], key: string): boolean {
  return rules.every(({ name, value }) => (name === 'prefix' ? key.startsWith(value) : key.endsWith(value)));
}

export function matchingNotifications(
  notifications: S3Notification[],
  bucket: string,
  eventName: string,
  key: string,
): S3Notification[] {
  return notifications.filter(
    (n) => n.bucket === bucket && matchesEventName(n.event, eventName) && matchesKeyRules(n.rules, key),
  );
}

/** How S3 writes a key into a notification: form-encoded (spaces as '+'), slashes kept. */
export function encodeS3Key(key: string): string {
  let encoded = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9._*/-]/.test(char)) encoded += char;
    else if (char === ' ') encoded += '+';
    else encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** A record as s3rver 3.7 emits it (lib/models/event.js): key decoded, region and ARN made up. */
export interface S3rverRecord {
  eventVersion: string;
  eventTime: string;
  eventName: string;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress?: string };
  responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string };
  s3: {
    bucket: { name: string; ownerIdentity: { principalId: string } };
    object: { key: string; size?: number; eTag?: string; sequencer: string };
  };
}

export interface S3rverEvent {
  Records?: S3rverRecord[];
}

/** S3 reports IPv4 clients as plain dotted quads, never IPv4-mapped IPv6. */
function sourceIp(address: string | undefined): string {
  const ip = address?.replace(/^::ffff:/, '');
  return ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) ? ip : '127.0.0.1';
}

/** The event S3 sends for one record and one matching configuration. */
export function toS3Event(
  record: S3rverRecord,
  options: { region: string; configurationId: string; eventName?: string; eTag?: string },
): S3Event {
  const eventName = options.eventName ?? record.eventName;
  const { key, size, sequencer } = record.s3.object;
  const eTag = options.eTag ?? record.s3.object.eTag;
  // Removal events carry no size and no ETag.
  const object = {
    key: encodeS3Key(key),
    ...(size !== undefined && eventName.startsWith('ObjectCreated:') ? { size } : {}),
    ...(eTag !== undefined && eventName.startsWith('ObjectCreated:') ? { eTag } : {}),
    sequencer,
  } as S3EventRecord['s3']['object'];
  const bucket = record.s3.bucket.name;
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: options.region,
        eventTime: record.eventTime,
        eventName,
        userIdentity: record.userIdentity,
        requestParameters: { sourceIPAddress: sourceIp(record.requestParameters.sourceIPAddress) },
        responseElements: record.responseElements,
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: options.configurationId,
          bucket: { name: bucket, ownerIdentity: record.s3.bucket.ownerIdentity, arn: `arn:aws:s3:::${bucket}` },
          object,
        },
      },
    ],
  };
}

/** What Koa (s3rver's base) keeps of the request that is being handled. */
interface KoaContext {
  method: string;
  query: Record<string, unknown>;
}

interface S3rverInternals extends EventEmitter {
  ctxStorage?: AsyncLocalStorage<KoaContext>;
  readonly currentContext?: KoaContext;
  store?: { getMetadata(bucket: string, key: string): Promise<Record<string, string | undefined>> };
}

/**
 * s3rver names both a completed multipart upload and a browser form upload `ObjectCreated:Post`;
 * S3 calls the first `ObjectCreated:CompleteMultipartUpload`. The request tells them apart.
 */
export function refineEventName(eventName: string, request: KoaContext | undefined): string {
  if (eventName === 'ObjectCreated:Post' && request?.method === 'POST' && request.query.uploadId !== undefined) {
    return 'ObjectCreated:CompleteMultipartUpload';
  }
  return eventName;
}

export interface S3Started extends StartedService {
  endpoint: string;
  /** s3rver itself, whose 'event' the notifications listen to. */
  server: S3rver;
}

/** Every bucket's notifications, each an asynchronous invocation of its function. */
export function startS3Notifications(context: TriggerContext<S3Started>, timing?: AsyncTiming): RunningTriggers {
  const { config, resources, intrinsics, region } = context;
  const notifications = s3Notifications(config, resources, intrinsics);
  const invocations = startAsyncInvocations({ ...context, ...(timing ? { timing } : {}) });
  const s3Server = context.started.server as unknown as S3rverInternals;
  const pending = new Set<Promise<void>>();
  let stopping = false;

  const onS3Event = (emitted: S3rverEvent) => {
    if (stopping) return;
    const request = s3Server.currentContext;
    for (const record of emitted.Records ?? []) {
      const eventName = refineEventName(record.eventName, request);
      const { name: bucket } = record.s3.bucket;
      const { key } = record.s3.object;
      const matches = matchingNotifications(notifications, bucket, eventName, key);
      if (!matches.length) continue;
      const task = (async () => {
        let eTag = record.s3.object.eTag;
        // s3rver leaves the ETag out of copy events; S3 puts it in.
        if (eTag === undefined && eventName.startsWith('ObjectCreated:')) {
          const stored = await s3Server.store?.getMetadata(bucket, key).catch(() => undefined);
          eTag = stored?.etag?.replace(/"/g, '');
        }
        await Promise.all(
          matches.map((n) =>
            invocations.invoke(
              n.functionKey,
              toS3Event(record, { region, configurationId: n.configurationId, eventName, eTag }),
              `S3 ${n.bucketId} → ${n.functionKey}: ${key}`,
            ),
          ),
        );
      })().catch((error: Error) => context.log(`S3 notifications: ${error.message}`));
      pending.add(task);
      void task.finally(() => pending.delete(task));
    }
  };

  // Koa's own request context store (its `asyncLocalStorage` option), read as the event fires.
  s3Server.ctxStorage ??= new AsyncLocalStorage<KoaContext>();
  if (notifications.length) s3Server.on('event', onS3Event);
  return {
    sources: [...new Set(notifications.map((n) => `S3 ${n.bucketId} → ${n.functionKey}`))],
    async idle() {
      while (pending.size) await Promise.allSettled([...pending]);
      await invocations.idle();
    },
    async stop() {
      stopping = true;
      s3Server.off('event', onS3Event);
      await invocations.stop();
      await Promise.allSettled([...pending]);
    },
  };
}

/**
 * AWS's sample S3 event for a function a bucket's notification invokes, with the local bucket, a
 * key its rules accept and the configuration's id; undefined when no bucket notifies it.
 */
export function sampleS3Event(
  sample: unknown,
  functionKey: string,
  options: { config: ServiceConfig; region: string; resources: Map<string, LocalResource>; intrinsics: Intrinsics },
): S3Event | undefined {
  const notification = s3Notifications(options.config, options.resources, options.intrinsics).find(
    (n) => n.functionKey === functionKey,
  );
  if (!notification) return undefined;
  const event = sample as S3Event;
  const record = event.Records[0]!;
  const prefix = notification.rules.find((r) => r.name === 'prefix')?.value ?? '';
  const suffix = notification.rules.find((r) => r.name === 'suffix')?.value ?? '';
  const wanted = notification.event.replace(/^s3:/, '');
  record.awsRegion = options.region;
  record.eventName = wanted.endsWith(':*') ? `${wanted.slice(0, -1)}Put` : wanted;
  record.s3.configurationId = notification.configurationId;
  record.s3.bucket = { ...record.s3.bucket, name: notification.bucket, arn: `arn:aws:s3:::${notification.bucket}` };
  record.s3.object.key = encodeS3Key(`${prefix}sample${suffix}`);
  event.Records = [record];
  return event;
}
