/** Clickstream records as POST /events puts them on the stream (shared/clickstream/clickstream-record.ts). */
import type { ClickstreamRecord } from '../../../shared/clickstream/clickstream-record';

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
