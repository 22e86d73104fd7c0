/**
 * What the data lake keeps of a clickstream event: what was looked at or put in a cart, when, and
 * in which session; never who. The caller's IP address and user agent are left out, and the
 * user id becomes a keyed hash (HMAC-SHA256 under a secret key), so one user's events can still
 * be counted together ("how many shoppers viewed this twice before buying") without the data lake
 * holding anything that names them: without the key, a hash cannot be matched to a user id, even
 * by trying every id there is.
 *
 * The output is an allow-list: fields are copied by name, so a field a producer adds one day
 * never reaches the data lake by accident.
 */
import { createHmac } from 'node:crypto';
import { clickstreamRecordSchema, type ClickstreamRecord } from './clickstream-record';

/** One event as the data lake stores it: a line of JSON (Athena reads one event per line). */
export interface DataLakeClickstreamEvent {
  type: ClickstreamRecord['type'];
  sku: string;
  sessionId: string;
  occurredAt: string;
  receivedAt: string;
  /** HMAC-SHA256 of the user id, hex; absent when the shopper was not signed in. */
  userHash?: string;
}

export type StripOutcome =
  | { outcome: 'kept'; line: Buffer }
  /** Deliberately left out of the data lake: robots' visits are not shoppers' behaviour. */
  | { outcome: 'dropped'; reason: 'bot' }
  /** Not a clickstream event: kept aside (Firehose's error output) for someone to look at. */
  | { outcome: 'failed'; reason: string };

/**
 * An event is a few hundred bytes; a record far past that is not one of ours, and is refused
 * before it is parsed.
 */
export const maxRecordBytes = 16 * 1024;

/**
 * User agents that announce a robot: search engines, link previews, uptime monitors, headless
 * browsers, HTTP libraries. Matched case-insensitively anywhere in the user agent; "bot" not after
 * "cu", since Cubot is a phone maker whose phones say so.
 */
export const botUserAgent =
  /(?<!cu)bot\b|crawl|spider|slurp|scraper|headless|lighthouse|pingdom|uptimerobot|facebookexternalhit|embedly|curl\/|wget\/|python-requests|go-http-client|axios\/|node-fetch|okhttp|java\//i;

export function isBot(userAgent: string): boolean {
  return botUserAgent.test(userAgent);
}

/** The keyed hash the data lake keeps in place of a user id: HMAC-SHA256, hex. */
export function userHash(userId: string, key: string): string {
  return createHmac('sha256', key).update(userId, 'utf8').digest('hex');
}

/** What is wrong with a record, naming fields and rules only: a message must never echo the data. */
function describeIssues(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || 'record'}: ${issue.message}`).join('; ');
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** One record's bytes (UTF-8 JSON of a clickstream record) → what the data lake keeps of it. */
export function stripPersonalData(data: Buffer, hashKey: string): StripOutcome {
  if (data.length > maxRecordBytes)
    return { outcome: 'failed', reason: `record is ${data.length} bytes, over ${maxRecordBytes}` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return { outcome: 'failed', reason: 'not UTF-8' };
  }
  const json = parseJson(text);
  if (!json.ok) return { outcome: 'failed', reason: 'not JSON' };
  const parsed = clickstreamRecordSchema.safeParse(json.value);
  if (!parsed.success) return { outcome: 'failed', reason: describeIssues(parsed.error) };
  const record = parsed.data;
  if (isBot(record.userAgent)) return { outcome: 'dropped', reason: 'bot' };
  const event: DataLakeClickstreamEvent = {
    type: record.type,
    sku: record.sku,
    sessionId: record.sessionId,
    occurredAt: record.occurredAt,
    receivedAt: record.receivedAt,
    ...(record.userId === undefined ? {} : { userHash: userHash(record.userId, hashKey) }),
  };
  return { outcome: 'kept', line: Buffer.from(`${JSON.stringify(event)}\n`, 'utf8') };
}
