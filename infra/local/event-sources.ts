/**
 * The triggers serverless-offline does not run, with AWS's semantics: S3 notifications (Lambda's
 * asynchronous invocation: retries, then the on-failure destination) and SQS event source
 * mappings (a poller with batching windows, partial batch responses and the queue's own redrive).
 * Both are read from serverless.yml: a bucket's NotificationConfiguration and a function's `sqs`
 * events. Nothing is listed twice: a trigger declared there runs here.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import type { S3Event, S3EventRecord, SQSEvent, SQSMessageAttribute, SQSRecord } from 'aws-lambda';
import type S3rver from 's3rver';
import { localCredentials } from './emulators';
import { localIntrinsics, type Intrinsics, type LocalEndpoints, type LocalResource } from './local-resources';
import type { DestinationConfig, FunctionConfig, ServiceConfig, SqsEventSource } from '../service-config';

// ---------------------------------------------------------------------------------------------
// Names

/** The framework's logical id of a function's AWS::Lambda::Function (its naming rule). */
export function lambdaLogicalId(functionKey: string): string {
  const normalized = functionKey.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

export function functionKeyForLogicalId(
  functions: Record<string, FunctionConfig>,
  logicalId: string,
): string | undefined {
  return Object.keys(functions).find((key) => lambdaLogicalId(key) === logicalId);
}

/** The deployed name, which serverless-offline's Lambda endpoint also answers to. */
export function functionName(config: ServiceConfig, functionKey: string): string {
  return config.functions[functionKey]?.name ?? `${config.service}-${config.provider.stage}-${functionKey}`;
}

/**
 * The function a notification's `Function` names: `Fn::GetAtt: [XLambdaFunction, Arn]` (either
 * form) or a literal function ARN.
 */
export function notificationFunctionKey(reference: unknown, config: ServiceConfig): string {
  let key: string | undefined;
  const getAtt = (reference as { 'Fn::GetAtt'?: unknown } | null)?.['Fn::GetAtt'];
  if (getAtt !== undefined) {
    const [logicalId, attribute] = Array.isArray(getAtt)
      ? (getAtt as string[])
      : typeof getAtt === 'string'
        ? getAtt.split('.')
        : [];
    if (attribute === 'Arn' && logicalId) key = functionKeyForLogicalId(config.functions, logicalId);
  } else if (typeof reference === 'string') {
    const name = /:function:([^:]+)/.exec(reference)?.[1];
    key = Object.keys(config.functions).find((k) => functionName(config, k) === name);
  }
  if (!key) {
    throw new Error(`S3 notification names ${JSON.stringify(reference)}, which is not a function of this service`);
  }
  return key;
}

// ---------------------------------------------------------------------------------------------
// S3 notifications

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

// ---------------------------------------------------------------------------------------------
// Lambda invocation

export interface Invocation {
  /** The Invoke API's HTTP status: 200 also when the function failed. */
  status: number;
  /** `Unhandled` when the function failed, the API's error type when the call did. */
  functionError?: string;
  /** The function's result, or its error (`errorMessage`, `errorType`, `trace`). */
  payload: unknown;
}

/** Lambda's Invoke API (RequestResponse) on serverless-offline's Lambda endpoint. */
export async function invokeFunction(
  lambdaEndpoint: string,
  name: string,
  event: unknown,
  signal?: AbortSignal,
): Promise<Invocation> {
  const response = await fetch(`${lambdaEndpoint}/2015-03-31/functions/${encodeURIComponent(name)}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'RequestResponse' },
    body: JSON.stringify(event),
    signal,
  });
  const text = await response.text();
  let payload: unknown = null;
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = text;
    }
  }
  const functionError =
    response.headers.get('x-amz-function-error') ??
    response.headers.get('x-amzn-errortype') ??
    (response.status === 200 ? undefined : `HTTP ${response.status}`);
  return { status: response.status, payload, ...(functionError ? { functionError } : {}) };
}

function errorMessage(invocation: Invocation): string {
  const payload = invocation.payload as { errorMessage?: unknown; Message?: unknown } | null;
  const message = payload?.errorMessage ?? payload?.Message;
  return typeof message === 'string' ? message : (invocation.functionError ?? 'failed');
}

/** The record Lambda sends to an asynchronous invocation's destination. */
export interface InvocationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'Success' | 'RetriesExhausted';
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: '$LATEST'; functionError?: string };
  responsePayload: unknown;
}

export function invocationRecord(options: {
  requestId: string;
  functionArn: string;
  event: unknown;
  invocation: Invocation;
  invokeCount: number;
  timestamp?: Date;
}): InvocationRecord {
  const { invocation } = options;
  return {
    version: '1.0',
    timestamp: (options.timestamp ?? new Date()).toISOString(),
    requestContext: {
      requestId: options.requestId,
      functionArn: `${options.functionArn}:$LATEST`,
      condition: invocation.functionError ? 'RetriesExhausted' : 'Success',
      approximateInvokeCount: options.invokeCount,
    },
    requestPayload: options.event,
    responseContext: {
      statusCode: invocation.status,
      executedVersion: '$LATEST',
      ...(invocation.functionError ? { functionError: invocation.functionError } : {}),
    },
    responsePayload: invocation.payload,
  };
}

interface QueueTarget {
  id: string;
  url: string;
  arn: string;
}

/** A destination the local stack can deliver to (an SQS queue), or why it cannot. */
export function destinationQueue(
  destination: DestinationConfig | undefined,
  resources: Map<string, LocalResource>,
  intrinsics: Intrinsics,
): QueueTarget | string | undefined {
  if (destination === undefined) return undefined;
  // A bare string is an ARN (its service names the type) or a function name.
  const type =
    typeof destination === 'string' ? (destination.split(':')[2] ?? 'function') : (destination.type ?? 'function');
  if (type !== 'sqs') return `${type} destinations are not delivered locally`;
  const arn = String(intrinsics.resolve(typeof destination === 'string' ? destination : destination.arn));
  for (const [id, resource] of resources) {
    if (resource.type === 'AWS::SQS::Queue' && resource.arn === arn) return { id, url: resource.ref, arn };
  }
  return `no local queue has the ARN ${arn}`;
}

// ---------------------------------------------------------------------------------------------
// SQS event source mappings

export interface SqsMapping {
  functionKey: string;
  queueId: string;
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  /** Seconds to gather a batch for. */
  maximumBatchingWindow: number;
  reportBatchItemFailures: boolean;
  maximumConcurrency: number;
  enabled: boolean;
}

/** Lambda starts with five concurrent batches per mapping when no maximum is set. */
const defaultConcurrency = 5;

export function sqsMappings(
  config: ServiceConfig,
  resources: Map<string, LocalResource>,
  intrinsics: Intrinsics,
): SqsMapping[] {
  const mappings: SqsMapping[] = [];
  for (const [functionKey, fn] of Object.entries(config.functions)) {
    for (const event of fn.events ?? []) {
      if (!('sqs' in event)) continue;
      const declared = event.sqs as SqsEventSource | string;
      const source: SqsEventSource = typeof declared === 'string' ? { arn: declared } : declared;
      if (source.filterPatterns?.length) {
        throw new Error(`${functionKey}: sqs filterPatterns are not applied by the local event sources`);
      }
      const arn = String(intrinsics.resolve(source.arn));
      const queue = [...resources].find(([, r]) => r.type === 'AWS::SQS::Queue' && r.arn === arn);
      if (!queue) throw new Error(`${functionKey}: its sqs event's queue ${arn} was not created locally`);
      const [queueId, { ref: queueUrl }] = queue;
      mappings.push({
        functionKey,
        queueId,
        queueUrl,
        queueArn: arn,
        batchSize: source.batchSize ?? 10,
        maximumBatchingWindow: source.maximumBatchingWindow ?? 0,
        reportBatchItemFailures: source.functionResponseType === 'ReportBatchItemFailures',
        maximumConcurrency: Math.max(
          1,
          Math.min(source.maximumConcurrency ?? defaultConcurrency, fn.reservedConcurrency ?? Infinity),
        ),
        enabled: source.enabled ?? true,
      });
    }
  }
  return mappings;
}

/** Lambda's shape of a message attribute: camel case, base64 binaries, both lists present. */
export function toLambdaMessageAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, SQSMessageAttribute> {
  const base64 = (value: Uint8Array) => Buffer.from(value).toString('base64');
  return Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, value]) => [
      name,
      {
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map(base64),
        dataType: value.DataType ?? 'String',
      },
    ]),
  );
}

/** The four attributes every record has, first and in Lambda's order; any others after them. */
const recordAttributeOrder = [
  'ApproximateReceiveCount',
  'SentTimestamp',
  'SenderId',
  'ApproximateFirstReceiveTimestamp',
];

export function toSqsEvent(messages: Message[], queueArn: string, region: string): SQSEvent {
  return {
    Records: messages.map((message): SQSRecord => {
      const received = message.Attributes ?? {};
      const attributes = Object.fromEntries([
        ...recordAttributeOrder.map((name) => [name, received[name as keyof typeof received] ?? '']),
        ...Object.entries(received).filter(([name, value]) => !recordAttributeOrder.includes(name) && value),
      ]) as unknown as SQSRecord['attributes'];
      return {
        messageId: message.MessageId!,
        receiptHandle: message.ReceiptHandle!,
        body: message.Body ?? '',
        attributes,
        messageAttributes: toLambdaMessageAttributes(message.MessageAttributes),
        md5OfBody: message.MD5OfBody ?? '',
        ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: region,
      };
    }),
  };
}

export interface BatchSettlement {
  /** Message ids to delete from the queue. */
  delete: string[];
  /** Message ids left on the queue, to come back after the visibility timeout. */
  failed: string[];
  /** Why the whole batch failed, when it did. */
  problem?: string;
}

/**
 * What the event source mapping does after an invocation: a function error keeps the whole batch;
 * with ReportBatchItemFailures, only the reported messages stay, and a response Lambda cannot
 * use (an identifier missing, empty or not in the batch) keeps the whole batch.
 */
export function settleBatch(
  messageIds: string[],
  invocation: Invocation,
  reportBatchItemFailures: boolean,
): BatchSettlement {
  const keepAll = (problem: string): BatchSettlement => ({ delete: [], failed: [...messageIds], problem });
  if (invocation.functionError) return keepAll(`function error: ${errorMessage(invocation)}`);
  if (!reportBatchItemFailures) return { delete: [...messageIds], failed: [] };
  const response = invocation.payload;
  if (response === null || response === undefined || response === '') return { delete: [...messageIds], failed: [] };
  if (typeof response !== 'object' || Array.isArray(response)) {
    return keepAll(`invalid batch response ${JSON.stringify(response)}`);
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { delete: [...messageIds], failed: [] };
  if (!Array.isArray(failures)) return keepAll('invalid batch response: batchItemFailures is not a list');
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !id || !messageIds.includes(id)) {
      return keepAll(`invalid batch response: itemIdentifier ${JSON.stringify(id)} is not a message of the batch`);
    }
    failed.add(id);
  }
  return { delete: messageIds.filter((id) => !failed.has(id)), failed: messageIds.filter((id) => failed.has(id)) };
}

// ---------------------------------------------------------------------------------------------
// The runner

export interface EventSourcesOptions {
  config: ServiceConfig;
  resources: Map<string, LocalResource>;
  endpoints: LocalEndpoints;
  region: string;
  /** serverless-offline's Lambda endpoint, e.g. http://127.0.0.1:3002 */
  lambdaEndpoint: string;
  s3Server: S3rver;
  log?: (line: string) => void;
  /**
   * Locally seconds stand in for AWS's minutes; tests shorten them further. `failedRecordRetrySeconds`:
   * a record the function failed on comes back after this long instead of the queue's whole
   * visibility timeout (360 s: six times the function's timeout, as AWS asks, so that a batch
   * still running is never delivered twice), so retries and the trip to the dead-letter queue
   * take seconds locally.
   */
  timing?: {
    retryDelayMs?: number;
    pollIntervalMs?: number;
    stopTimeoutMs?: number;
    failedRecordRetrySeconds?: number;
  };
}

export interface EventSources {
  /** One line per wired trigger, e.g. `S3 UploadsBucket → processUpload`. */
  sources: string[];
  /** Stops polling and waits (boundedly) for the invocations under way. */
  stop(): Promise<void>;
  /** Resolves once nothing is being gathered, invoked or retried (a failed batch may still come back). */
  idle(): Promise<void>;
}

/** Lambda's payload limit for a synchronous invocation; a batch is cut before it. */
const payloadLimit = 6 * 1024 * 1024 - 64 * 1024;

export async function startEventSources(options: EventSourcesOptions): Promise<EventSources> {
  const { config, resources, region, lambdaEndpoint, log = () => undefined } = options;
  const retryDelayMs = options.timing?.retryDelayMs ?? 1000;
  const pollIntervalMs = options.timing?.pollIntervalMs ?? 150;
  const stopTimeoutMs = options.timing?.stopTimeoutMs ?? 8000;
  const failedRecordRetrySeconds = options.timing?.failedRecordRetrySeconds ?? 3;
  const intrinsics = localIntrinsics(config, resources);
  const notifications = s3Notifications(config, resources, intrinsics);
  const mappings = sqsMappings(config, resources, intrinsics);
  const sqs = new SQSClient({ region, endpoint: options.endpoints.sqs, credentials: localCredentials });

  let stopping = false;
  const stopped = new AbortController();
  const abandon = new AbortController();
  const tasks = new Set<Promise<void>>();
  // Once stopping, outcomes are not news: the last words belong to whoever stops the stack.
  const say = (line: string) => {
    if (!stopping) log(line);
  };
  const track = (task: Promise<void>) => {
    const settled = task.catch((error: Error) => say(`event sources: ${error.message}`));
    tasks.add(settled);
    void settled.finally(() => tasks.delete(settled));
    return settled;
  };
  const sleep = (ms: number) =>
    delay(ms, undefined, { signal: stopped.signal }).then(
      () => true,
      () => false,
    );
  const functionArn = (key: string) =>
    String(
      intrinsics.resolve({
        'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${functionName(config, key)}`,
      }),
    );
  const invoke = (key: string, event: unknown) =>
    invokeFunction(lambdaEndpoint, functionName(config, key), event, abandon.signal).catch(
      (error: Error): Invocation => ({
        status: 0,
        functionError: 'InvokeFailed',
        payload: { errorMessage: `${lambdaEndpoint} did not answer: ${error.message}` },
      }),
    );

  // --- S3 → Lambda, invoked asynchronously ------------------------------------------------------
  const asyncTargets = new Map(
    [...new Set(notifications.map((n) => n.functionKey))].map((key) => {
      const fn = config.functions[key]!;
      const onFailure = destinationQueue(fn.destinations?.onFailure, resources, intrinsics);
      const onSuccess = destinationQueue(fn.destinations?.onSuccess, resources, intrinsics);
      for (const [kind, target] of [
        ['onFailure', onFailure],
        ['onSuccess', onSuccess],
      ] as const) {
        if (typeof target === 'string') log(`event sources: ${key} ${kind}: ${target}`);
      }
      return [
        key,
        {
          retries: Math.max(0, Math.min(2, fn.maximumRetryAttempts ?? 2)),
          onFailure: typeof onFailure === 'object' ? onFailure : undefined,
          onSuccess: typeof onSuccess === 'object' ? onSuccess : undefined,
        },
      ] as const;
    }),
  );

  async function sendRecord(queue: QueueTarget, record: InvocationRecord) {
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(record) }));
  }

  async function invokeAsync(notification: S3Notification, event: S3Event, key: string) {
    const { functionKey } = notification;
    const target = asyncTargets.get(functionKey)!;
    const attempts = target.retries + 1;
    // One request id for the invocation and its retries, as Lambda keeps it.
    const requestId = randomUUID();
    const what = `S3 ${notification.bucketId} → ${functionKey}: ${key}`;
    for (let attempt = 1; ; attempt++) {
      const invocation = await invoke(functionKey, event);
      if (abandon.signal.aborted) return;
      const record = () =>
        invocationRecord({ requestId, functionArn: functionArn(functionKey), event, invocation, invokeCount: attempt });
      if (!invocation.functionError) {
        if (target.onSuccess) await sendRecord(target.onSuccess, record());
        say(`${what}${attempt > 1 ? ` (attempt ${attempt} of ${attempts})` : ''}`);
        return;
      }
      const failure = `${what} failed (attempt ${attempt} of ${attempts}): ${errorMessage(invocation)}`;
      if (attempt < attempts) {
        // AWS waits a minute, then two; locally a second, then two.
        const wait = retryDelayMs * 2 ** (attempt - 1);
        say(`${failure}; retrying in ${wait / 1000} s`);
        if (!(await sleep(wait))) return;
        continue;
      }
      if (target.onFailure) {
        await sendRecord(target.onFailure, record());
        say(`${failure}; event sent to ${target.onFailure.id}`);
      } else {
        say(`${failure}; event dropped (no on-failure destination)`);
      }
      return;
    }
  }

  const s3Server = options.s3Server as unknown as S3rverInternals;
  // Koa's own request context store (its `asyncLocalStorage` option), read as the event fires.
  s3Server.ctxStorage ??= new AsyncLocalStorage<KoaContext>();
  const onS3Event = (emitted: S3rverEvent) => {
    if (stopping) return;
    const request = s3Server.currentContext;
    for (const record of emitted.Records ?? []) {
      const eventName = refineEventName(record.eventName, request);
      const { name: bucket } = record.s3.bucket;
      const { key } = record.s3.object;
      const matches = matchingNotifications(notifications, bucket, eventName, key);
      if (!matches.length) continue;
      void track(
        (async () => {
          let eTag = record.s3.object.eTag;
          // s3rver leaves the ETag out of copy events; S3 puts it in.
          if (eTag === undefined && eventName.startsWith('ObjectCreated:')) {
            const stored = await s3Server.store?.getMetadata(bucket, key).catch(() => undefined);
            eTag = stored?.etag?.replace(/"/g, '');
          }
          await Promise.all(
            matches.map((n) =>
              invokeAsync(n, toS3Event(record, { region, configurationId: n.configurationId, eventName, eTag }), key),
            ),
          );
        })(),
      );
    }
  };

  // --- SQS → Lambda, the event source mapping's poller -----------------------------------------
  const pollers = new Map<SqsMapping, { busy: boolean }>();

  async function runBatch(mapping: SqsMapping, messages: Message[]) {
    const invocation = await invoke(mapping.functionKey, toSqsEvent(messages, mapping.queueArn, region));
    if (abandon.signal.aborted) return;
    const ids = messages.map((m) => m.MessageId!);
    const settlement = settleBatch(ids, invocation, mapping.reportBatchItemFailures);
    const deleting = messages.filter((m) => settlement.delete.includes(m.MessageId!));
    const undeleted: string[] = [];
    for (let start = 0; start < deleting.length; start += 10) {
      const entries = deleting
        .slice(start, start + 10)
        .map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! }));
      try {
        const { Failed = [] } = await sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: mapping.queueUrl, Entries: entries }),
        );
        undeleted.push(...Failed.map((f) => f.Message ?? f.Code ?? 'failed'));
      } catch (error) {
        undeleted.push(...entries.map(() => (error as Error).message));
      }
    }
    // Local time: what failed comes back in seconds (see `timing`); AWS would leave it hidden for
    // the rest of its visibility timeout. Receive counts, and so the dead-letter queue, are as in AWS.
    const failing = messages.filter((m) => settlement.failed.includes(m.MessageId!));
    for (let start = 0; start < failing.length; start += 10) {
      const entries = failing.slice(start, start + 10).map((m, i) => ({
        Id: String(i),
        ReceiptHandle: m.ReceiptHandle!,
        VisibilityTimeout: failedRecordRetrySeconds,
      }));
      await sqs
        .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: mapping.queueUrl, Entries: entries }))
        .catch((error: Error) =>
          say(`SQS ${mapping.queueId}: could not bring failed records back early (${error.message})`),
        );
    }
    const outcome = settlement.problem
      ? `all ${ids.length} returning (${settlement.problem})`
      : `${settlement.failed.length} failed`;
    const deleteProblem = undeleted.length ? `; ${undeleted.length} not deleted: ${undeleted[0]}` : '';
    say(
      `SQS ${mapping.queueId} → ${mapping.functionKey}: ${ids.length} record${ids.length === 1 ? '' : 's'}, ${outcome}${deleteProblem}`,
    );
  }

  async function poll(mapping: SqsMapping) {
    const state = { busy: false };
    pollers.set(mapping, state);
    const inFlight = new Set<Promise<void>>();
    let batch: Message[] = [];
    let bytes = 0;
    let windowEnds = 0;
    let failing = false;
    while (!stopping) {
      state.busy = batch.length > 0 || inFlight.size > 0;
      if (inFlight.size >= mapping.maximumConcurrency) {
        // No receiving for a batch that could not run yet: its visibility timeout would be ticking.
        await Promise.race([...inFlight, sleep(1000)]);
        continue;
      }
      let received: Message[];
      try {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: mapping.queueUrl,
            MaxNumberOfMessages: Math.min(10, mapping.batchSize - batch.length),
            // local-aws-sqs reads the older AttributeNames; SQS takes either.
            MessageSystemAttributeNames: ['All'],
            AttributeNames: ['All'],
            MessageAttributeNames: ['All'],
            // local-aws-sqs's long polling does not return early when a message arrives.
            WaitTimeSeconds: 0,
          }),
          { abortSignal: stopped.signal },
        );
        received = Messages;
        failing = false;
      } catch (error) {
        if (stopping) break;
        if (!failing) say(`SQS ${mapping.queueId}: receive failed (${(error as Error).message}); retrying`);
        failing = true;
        await sleep(1000);
        continue;
      }
      if (received.length) {
        if (!batch.length) windowEnds = Date.now() + mapping.maximumBatchingWindow * 1000;
        batch.push(...received);
        bytes += received.reduce((sum, m) => sum + Buffer.byteLength(m.Body ?? '') + 1024, 0);
        state.busy = true;
      }
      if (batch.length && (batch.length >= mapping.batchSize || bytes >= payloadLimit || Date.now() >= windowEnds)) {
        const messages = batch;
        batch = [];
        bytes = 0;
        const task = track(runBatch(mapping, messages));
        inFlight.add(task);
        void task.finally(() => inFlight.delete(task));
        continue;
      }
      if (!received.length) {
        await sleep(batch.length ? Math.max(0, Math.min(pollIntervalMs, windowEnds - Date.now())) : pollIntervalMs);
      }
    }
    state.busy = false;
  }

  // A queue that is not there fails the start, not every poll.
  const enabled = mappings.filter((m) => m.enabled);
  for (const mapping of enabled) {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: mapping.queueUrl, AttributeNames: ['QueueArn'] }),
    );
    if (Attributes?.QueueArn && Attributes.QueueArn !== mapping.queueArn) {
      throw new Error(`${mapping.queueUrl} is ${Attributes.QueueArn}, not ${mapping.queueArn}`);
    }
  }
  if (notifications.length) s3Server.on('event', onS3Event);
  const loops = enabled.map((m) => poll(m));

  const sources = [
    ...[...new Set(notifications.map((n) => `S3 ${n.bucketId} → ${n.functionKey}`))],
    ...mappings.map((m) => `SQS ${m.queueId} → ${m.functionKey}${m.enabled ? '' : ' (disabled)'}`),
  ];

  return {
    sources,
    async idle() {
      // Twice in a row, a poll apart: a batch being handed from the poller to its invocation is
      // neither gathered nor in flight for an instant.
      let quiet = 0;
      while (quiet < 2 && !stopping) {
        const busy = tasks.size > 0 || [...pollers.values()].some((p) => p.busy);
        quiet = busy ? 0 : quiet + 1;
        await delay(pollIntervalMs + 20);
      }
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      s3Server.off('event', onS3Event);
      stopped.abort();
      const patience = new AbortController();
      await Promise.race([
        Promise.allSettled([...loops, ...tasks]),
        delay(stopTimeoutMs, undefined, { signal: patience.signal }).catch(() => undefined),
      ]);
      patience.abort();
      // What is still running is abandoned: its messages come back after the visibility timeout.
      abandon.abort();
      await Promise.allSettled([...tasks]);
      sqs.destroy();
    },
  };
}
