/**
 * A small local SNS: an HTTP server on 127.0.0.1 speaking SNS's query protocol (form-encoded
 * `Action=...` in, XML out), so `@aws-sdk/client-sns` runs against it unchanged
 * (AWS_ENDPOINT_URL_SNS). No usable emulator exists (../shared/TOOLCHAIN.md, "SNS").
 *
 * - Topics: CreateTopic (idempotent by name), DeleteTopic, ListTopics, GetTopicAttributes.
 *   Standard topics only: a FIFO topic is refused (not run locally).
 * - Subscriptions: Subscribe, Unsubscribe, ListSubscriptions(ByTopic), Get/SetSubscriptionAttributes,
 *   with FilterPolicy (filter-policy.ts), FilterPolicyScope and RawMessageDelivery; protocols
 *   `lambda`, `sqs`, `email` and `email-json`. AWS waits for an e-mail subscription to be confirmed
 *   from the mailbox; locally it is confirmed at once, and what it receives is kept as the mailbox.
 * - Publish and PublishBatch, validated as SNS does (topic exists, message present and at most
 *   256 KB with its attributes, subject, attribute types, MessageStructure json with `default`).
 *
 * A published message goes to every subscription whose filter policy matches: e-mail is kept here
 * and listed at `GET /mail` (JSON); `lambda` and `sqs` deliveries are handed to onDelivery's
 * listeners, the local platform's SNS module (service.ts), which invokes or sends them.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  compileFilterPolicy,
  type FilterPolicyScope,
  type MessageAttribute,
  type MessageFilter,
} from './filter-policy';

export interface Subscription {
  arn: string;
  topicArn: string;
  protocol: 'lambda' | 'sqs' | 'email' | 'email-json';
  endpoint: string;
  attributes: Record<string, string>;
  filter?: MessageFilter;
}

export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  subject?: string;
  /** The message, or with MessageStructure json the object of a message per protocol. */
  message: string;
  perProtocol?: Record<string, string>;
  timestamp: string;
  attributes: Record<string, MessageAttribute>;
}

/** An e-mail an `email` or `email-json` subscription received. */
export interface Mail {
  to: string;
  topicArn: string;
  subject: string;
  body: string;
  messageId: string;
  timestamp: string;
}

/** The message one protocol receives: with MessageStructure json, its own part or `default`. */
export const messageFor = (message: PublishedMessage, protocol: string): string =>
  message.perProtocol ? (message.perProtocol[protocol] ?? message.perProtocol.default!) : message.message;

/** SNS's JSON envelope of a message (what sqs and email-json subscribers receive without raw delivery). */
export function snsEnvelope(message: PublishedMessage, subscription: Subscription, region: string) {
  return {
    Type: 'Notification',
    MessageId: message.messageId,
    TopicArn: message.topicArn,
    ...(message.subject === undefined ? {} : { Subject: message.subject }),
    Message: messageFor(message, subscription.protocol),
    Timestamp: message.timestamp,
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: `https://sns.${region}.amazonaws.com/SimpleNotificationService-local.pem`,
    UnsubscribeURL: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscription.arn}`,
    ...(Object.keys(message.attributes).length
      ? {
          MessageAttributes: Object.fromEntries(
            Object.entries(message.attributes).map(([name, a]) => [
              name,
              { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue },
            ]),
          ),
        }
      : {}),
  };
}

export type DeliveryListener = (subscription: Subscription, message: PublishedMessage) => void;

export interface SnsEmulator {
  readonly url: string;
  /** Calls `listener` for every lambda or sqs delivery from now on; returns the way to stop. */
  onDelivery(listener: DeliveryListener): () => void;
  /** The e-mails `email` and `email-json` subscriptions received, oldest first. */
  mail(): Mail[];
  stop(): Promise<void>;
}

export interface SnsEmulatorOptions {
  port: number;
  region: string | (() => string);
  accountId?: string;
  /** E-mails kept, the oldest dropped first. */
  maxMail?: number;
  log?: (line: string) => void;
}

class SnsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new SnsError('InvalidParameter', `Invalid parameter: ${message}`);
const maxMessageBytes = 256 * 1024;
const topicNamePattern = /^[A-Za-z0-9_-]{1,256}$/;
const protocols = ['lambda', 'sqs', 'email', 'email-json'] as const;
const subscriptionAttributes = ['FilterPolicy', 'FilterPolicyScope', 'RawMessageDelivery', 'RedrivePolicy'];

const escapeXml = (text: string) =>
  text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

type Xml = string | number | Xml[] | { [tag: string]: Xml };
function toXml(value: Xml): string {
  if (typeof value === 'string') return escapeXml(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(toXml).join('');
  return Object.entries(value)
    .map(([tag, inner]) => `<${tag}>${toXml(inner)}</${tag}>`)
    .join('');
}

/** `Prefix.entry.N.key` / `.value` (or Name / Value.*) lists of the query protocol, as a map. */
function entries(form: URLSearchParams, prefix: string, keyName: string): Map<string, Map<string, string>> {
  const found = new Map<string, Map<string, string>>();
  for (const [name, value] of form) {
    const match = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(?:entry|member)\\.(\\d+)\\.(.+)$`).exec(name);
    if (!match) continue;
    const fields = found.get(match[1]!) ?? new Map<string, string>();
    fields.set(match[2]!, value);
    found.set(match[1]!, fields);
  }
  const byKey = new Map<string, Map<string, string>>();
  for (const fields of found.values()) {
    const key = fields.get(keyName);
    if (key !== undefined) byKey.set(key, fields);
  }
  return byKey;
}

function attributeMap(form: URLSearchParams, prefix: string): Record<string, string> {
  return Object.fromEntries([...entries(form, prefix, 'key')].map(([key, fields]) => [key, fields.get('value') ?? '']));
}

function messageAttributes(form: URLSearchParams, prefix: string): Record<string, MessageAttribute> {
  const attributes: Record<string, MessageAttribute> = {};
  for (const [name, fields] of entries(form, prefix, 'Name')) {
    const DataType = fields.get('Value.DataType') ?? '';
    if (!/^(String|Number|Binary)(\..+)?$/.test(DataType)) {
      throw invalid(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const StringValue = fields.get('Value.StringValue');
    const BinaryValue = fields.get('Value.BinaryValue');
    if (DataType.startsWith('Number') && !Number.isFinite(Number(StringValue))) {
      throw invalid(`Could not cast message attribute '${name}' value to number.`);
    }
    if (StringValue === undefined && BinaryValue === undefined) {
      throw invalid(`The message attribute '${name}' must contain non-empty message attribute value.`);
    }
    attributes[name] = {
      DataType,
      ...(StringValue === undefined ? {} : { StringValue }),
      ...(BinaryValue === undefined ? {} : { BinaryValue }),
    };
  }
  return attributes;
}

export async function startSnsEmulator(options: SnsEmulatorOptions): Promise<SnsEmulator> {
  const { accountId = '000000000000', maxMail = 500, log = console.error } = options;
  const regionOf = typeof options.region === 'function' ? options.region : () => options.region as string;
  const topics = new Map<string, { name: string; attributes: Record<string, string> }>();
  const subscriptions = new Map<string, Subscription>();
  const listeners = new Set<DeliveryListener>();
  const mailbox: Mail[] = [];

  const topicOf = (arn: string | null) => {
    const topic = arn ? topics.get(arn) : undefined;
    if (!topic) throw new SnsError('NotFound', 'Topic does not exist', 404);
    return topic;
  };

  const filterOf = (attributes: Record<string, string>): MessageFilter | undefined => {
    if (!attributes.FilterPolicy) return undefined;
    const scope = (attributes.FilterPolicyScope ?? 'MessageAttributes') as FilterPolicyScope;
    if (scope !== 'MessageAttributes' && scope !== 'MessageBody') {
      throw invalid('FilterPolicyScope: must be MessageAttributes or MessageBody');
    }
    try {
      return compileFilterPolicy(attributes.FilterPolicy, scope);
    } catch (error) {
      throw invalid((error as Error).message);
    }
  };

  function deliver(message: PublishedMessage): void {
    for (const subscription of subscriptions.values()) {
      if (subscription.topicArn !== message.topicArn) continue;
      if (subscription.filter && !subscription.filter(messageFor(message, subscription.protocol), message.attributes)) {
        continue;
      }
      if (subscription.protocol === 'email' || subscription.protocol === 'email-json') {
        mailbox.push({
          to: subscription.endpoint,
          topicArn: message.topicArn,
          subject: message.subject ?? 'AWS Notification Message',
          body:
            subscription.protocol === 'email'
              ? messageFor(message, 'email')
              : JSON.stringify(snsEnvelope(message, subscription, regionOf())),
          messageId: message.messageId,
          timestamp: message.timestamp,
        });
        if (mailbox.length > maxMail) mailbox.splice(0, mailbox.length - maxMail);
        continue;
      }
      for (const listener of listeners) {
        try {
          listener(subscription, message);
        } catch (error) {
          log(`SNS (local): a delivery to ${subscription.endpoint} failed: ${String(error)}`);
        }
      }
    }
  }

  function publishOne(form: URLSearchParams, prefix = ''): string {
    const get = (name: string) => form.get(`${prefix}${name}`);
    const topicArn = prefix ? form.get('TopicArn') : (get('TopicArn') ?? get('TargetArn'));
    if (!topicArn) throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
    topicOf(topicArn);
    const text = get('Message');
    if (!text) throw invalid('Empty message');
    const subject = get('Subject') ?? undefined;
    if (subject !== undefined && (subject.length === 0 || subject.length >= 100 || !/^[\x20-\x7e]*$/.test(subject))) {
      throw invalid('Subject: must be 1 to 99 printable ASCII characters, with no line breaks');
    }
    const attributes = messageAttributes(form, `${prefix}MessageAttributes`);
    const size =
      Buffer.byteLength(text) +
      Object.entries(attributes).reduce(
        (sum, [name, a]) => sum + Buffer.byteLength(name + a.DataType + (a.StringValue ?? a.BinaryValue ?? '')),
        0,
      );
    if (size > maxMessageBytes) throw invalid('Message too long');
    let perProtocol: Record<string, string> | undefined;
    if (get('MessageStructure') === 'json') {
      try {
        perProtocol = JSON.parse(text) as Record<string, string>;
      } catch {
        throw invalid('Message Structure - JSON message body failed to parse');
      }
      if (typeof perProtocol?.default !== 'string') {
        throw invalid('Message Structure - No default entry in JSON message body');
      }
    }
    const message: PublishedMessage = {
      messageId: randomUUID(),
      topicArn,
      ...(subject === undefined ? {} : { subject }),
      message: text,
      ...(perProtocol ? { perProtocol } : {}),
      timestamp: new Date().toISOString(),
      attributes,
    };
    deliver(message);
    return message.messageId;
  }

  const subscriptionXml = (s: Subscription) => ({
    member: {
      TopicArn: s.topicArn,
      Protocol: s.protocol,
      SubscriptionArn: s.arn,
      Owner: accountId,
      Endpoint: s.endpoint,
    },
  });

  const actions: Record<string, (form: URLSearchParams) => Xml | undefined> = {
    CreateTopic(form) {
      const name = form.get('Name') ?? '';
      const attributes = attributeMap(form, 'Attributes');
      if (name.endsWith('.fifo') || attributes.FifoTopic === 'true') {
        throw invalid('FIFO topics are not run by the local SNS');
      }
      if (!topicNamePattern.test(name)) {
        throw invalid('Topic Name: must be 1 to 256 letters, numbers, hyphens and underscores');
      }
      const arn = `arn:aws:sns:${regionOf()}:${accountId}:${name}`;
      if (!topics.has(arn)) topics.set(arn, { name, attributes });
      return { CreateTopicResult: { TopicArn: arn } };
    },
    DeleteTopic(form) {
      const arn = form.get('TopicArn') ?? '';
      topics.delete(arn);
      for (const [subscriptionArn, s] of subscriptions) if (s.topicArn === arn) subscriptions.delete(subscriptionArn);
      return undefined;
    },
    ListTopics() {
      return { ListTopicsResult: { Topics: [...topics.keys()].map((arn) => ({ member: { TopicArn: arn } })) } };
    },
    GetTopicAttributes(form) {
      const arn = form.get('TopicArn');
      const topic = topicOf(arn);
      const count = [...subscriptions.values()].filter((s) => s.topicArn === arn).length;
      const attributes = {
        ...topic.attributes,
        TopicArn: arn!,
        Owner: accountId,
        SubscriptionsConfirmed: String(count),
        SubscriptionsPending: '0',
        SubscriptionsDeleted: '0',
      };
      return {
        GetTopicAttributesResult: {
          Attributes: Object.entries(attributes).map(([key, value]) => ({ entry: { key, value } })),
        },
      };
    },
    Subscribe(form) {
      const topicArn = form.get('TopicArn');
      topicOf(topicArn);
      const protocol = form.get('Protocol') as Subscription['protocol'];
      if (!protocols.includes(protocol)) {
        throw invalid(`Protocol: ${protocol} is not delivered by the local SNS (lambda, sqs, email, email-json)`);
      }
      const endpoint = form.get('Endpoint') ?? '';
      if ((protocol === 'lambda' || protocol === 'sqs') && !endpoint.startsWith(`arn:aws:${protocol}:`)) {
        throw invalid(`${protocol} endpoint must be an ARN`);
      }
      if (protocol.startsWith('email') && !/^[^@\s]+@[^@\s]+$/.test(endpoint)) {
        throw invalid('Email address');
      }
      const attributes = attributeMap(form, 'Attributes');
      const unknown = Object.keys(attributes).filter((key) => !subscriptionAttributes.includes(key));
      if (unknown.length) throw invalid(`Attributes Reason: Unknown attribute ${unknown[0]}`);
      // SNS answers the existing subscription for the same topic, protocol and endpoint.
      const existing = [...subscriptions.values()].find(
        (s) => s.topicArn === topicArn && s.protocol === protocol && s.endpoint === endpoint,
      );
      if (existing) return { SubscribeResult: { SubscriptionArn: existing.arn } };
      const subscription: Subscription = {
        arn: `${topicArn}:${randomUUID()}`,
        topicArn: topicArn!,
        protocol,
        endpoint,
        attributes,
      };
      const filter = filterOf(attributes);
      if (filter) subscription.filter = filter;
      subscriptions.set(subscription.arn, subscription);
      return { SubscribeResult: { SubscriptionArn: subscription.arn } };
    },
    Unsubscribe(form) {
      subscriptions.delete(form.get('SubscriptionArn') ?? '');
      return undefined;
    },
    ListSubscriptions() {
      return { ListSubscriptionsResult: { Subscriptions: [...subscriptions.values()].map(subscriptionXml) } };
    },
    ListSubscriptionsByTopic(form) {
      const arn = form.get('TopicArn');
      topicOf(arn);
      const found = [...subscriptions.values()].filter((s) => s.topicArn === arn);
      return { ListSubscriptionsByTopicResult: { Subscriptions: found.map(subscriptionXml) } };
    },
    GetSubscriptionAttributes(form) {
      const s = subscriptions.get(form.get('SubscriptionArn') ?? '');
      if (!s) throw new SnsError('NotFound', 'Subscription does not exist', 404);
      const attributes = {
        ...s.attributes,
        SubscriptionArn: s.arn,
        TopicArn: s.topicArn,
        Protocol: s.protocol,
        Endpoint: s.endpoint,
        Owner: accountId,
        PendingConfirmation: 'false',
        ConfirmationWasAuthenticated: 'true',
      };
      return {
        GetSubscriptionAttributesResult: {
          Attributes: Object.entries(attributes).map(([key, value]) => ({ entry: { key, value } })),
        },
      };
    },
    SetSubscriptionAttributes(form) {
      const s = subscriptions.get(form.get('SubscriptionArn') ?? '');
      if (!s) throw new SnsError('NotFound', 'Subscription does not exist', 404);
      const name = form.get('AttributeName') ?? '';
      if (!subscriptionAttributes.includes(name)) throw invalid(`AttributeName: ${name}`);
      const attributes = { ...s.attributes, [name]: form.get('AttributeValue') ?? '' };
      const filter = filterOf(attributes);
      s.attributes = attributes;
      if (filter) s.filter = filter;
      else delete s.filter;
      return undefined;
    },
    Publish(form) {
      return { PublishResult: { MessageId: publishOne(form) } };
    },
    PublishBatch(form) {
      topicOf(form.get('TopicArn'));
      const ids = [...entries(form, 'PublishBatchRequestEntries', 'Id').keys()];
      if (ids.length < 1 || ids.length > 10) {
        throw new SnsError('TooManyEntriesInBatchRequest', 'The batch request contains more entries than permissible.');
      }
      const successful: Xml[] = [];
      const failed: Xml[] = [];
      for (const [name] of form) {
        const match = /^PublishBatchRequestEntries\.member\.(\d+)\.Id$/.exec(name);
        if (!match) continue;
        const index = Number(match[1]);
        const id = form.get(name)!;
        try {
          const messageId = publishOne(form, `PublishBatchRequestEntries.member.${index}.`);
          successful.push({ member: { Id: id, MessageId: messageId } });
        } catch (error) {
          const e = error as SnsError;
          failed.push({ member: { Id: id, Code: e.code ?? 'InternalError', Message: e.message, SenderFault: 'true' } });
        }
      }
      return { PublishBatchResult: { Successful: successful, Failed: failed } };
    },
  };

  const reply = (response: ServerResponse, status: number, body: string) => {
    response.writeHead(status, { 'content-type': 'text/xml' });
    response.end(body);
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && url.pathname === '/mail') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(mailbox));
      return;
    }
    const requestId = randomUUID();
    const chunks: Buffer[] = [];
    for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const action = form.get('Action') ?? '';
    try {
      const run = actions[action];
      if (request.method !== 'POST' || !run) {
        throw new SnsError('InvalidAction', `The action ${action || '(none)'} is not valid for this endpoint.`);
      }
      const result = run(form);
      reply(
        response,
        200,
        `<${action}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/">${result ? toXml(result) : ''}` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
      );
    } catch (error) {
      const e = error instanceof SnsError ? error : new SnsError('InternalError', (error as Error).message, 500);
      reply(
        response,
        e.status,
        `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${e.status < 500 ? 'Sender' : 'Receiver'}</Type>` +
          `<Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) reply(response, 500, String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    onDelivery(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    mail: () => mailbox.slice(),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
