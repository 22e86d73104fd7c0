/**
 * Kinesis tumbling-window events for the aggregator's tests, built from AWS's own Kinesis sample
 * event (tests/fixtures/events/kinesis-event.json) with the fields Lambda adds when the event
 * source mapping has a tumbling window (window, state, shardId, isFinalInvokeForWindow, ...).
 */
import type { KinesisStreamRecord, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import type { ClickstreamRecord } from '../../../shared/clickstream/clickstream-record';
import kinesisSample from '../../fixtures/events/kinesis-event.json';

export const shardId = 'shardId-000000000000';
const firstSequence = 49568167373333333333333333333333333333333333333333333333n;

export function clickRecord(overrides: Partial<ClickstreamRecord> = {}): ClickstreamRecord {
  return {
    type: 'view',
    sku: 'MUG-001',
    sessionId: 'session-0001',
    occurredAt: '2026-12-02T19:45:10.000Z',
    receivedAt: '2026-12-02T19:45:11.000Z',
    ip: '203.0.113.9',
    userAgent: 'Mozilla/5.0',
    ...overrides,
  };
}

/** A Kinesis record of the sample's shape; `data` is a clickstream record, or raw text as it is. */
export function kinesisRecord(index: number, data: ClickstreamRecord | string, shard = shardId): KinesisStreamRecord {
  const [sample] = structuredClone(kinesisSample.Records) as KinesisStreamRecord[];
  const sequenceNumber = String(firstSequence + BigInt(index) * 1000n);
  return {
    ...sample!,
    eventID: `${shard}:${sequenceNumber}`,
    kinesis: {
      ...sample!.kinesis,
      partitionKey: typeof data === 'string' ? 's1' : data.sessionId,
      sequenceNumber,
      data: Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)).toString('base64'),
    },
  };
}

export function windowEvent(
  records: KinesisStreamRecord[],
  options: { state?: Record<string, unknown>; isFinal?: boolean; start?: string; shard?: string } = {},
): KinesisStreamTumblingWindowEvent & { shardId: string; eventSourceARN: string } {
  const start = options.start ?? '2026-12-02T19:45:00Z';
  return {
    Records: records,
    window: { start, end: new Date(Date.parse(start) + 60_000).toISOString().replace('.000', '') },
    ...(options.state === undefined ? {} : { state: options.state }),
    shardId: options.shard ?? shardId,
    eventSourceARN: kinesisSample.Records[0]!.eventSourceARN,
    isFinalInvokeForWindow: options.isFinal ?? false,
    isWindowTerminatedEarly: false,
  };
}

// Clickstream records as POST /events puts them on the stream, for the data lake's tests.

export const browserUserAgent =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export const aClickstreamRecord = (overrides: Partial<ClickstreamRecord> = {}): ClickstreamRecord => ({
  type: 'view',
  sku: 'TEA-SENCHA',
  sessionId: 'session-3f9a1c2b',
  occurredAt: '2026-12-02T10:15:30.000Z',
  receivedAt: '2026-12-02T10:15:30.412Z',
  ip: '203.0.113.7',
  userAgent: browserUserAgent,
  userId: 'a1b2c3d4-5678-90ab-cdef-1234567890ab',
  ...overrides,
});

export const asBytes = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
export const asBase64 = (value: unknown) => asBytes(value).toString('base64');

/** A key as long as the generated secret's 64 characters. */
export const testHashKey = 'k'.repeat(64);
