import { createHmac } from 'node:crypto';
import {
  isBot,
  maxRecordBytes,
  stripPersonalData,
  userHash,
  type StripOutcome,
} from '../../../shared/clickstream/strip-personal-data';
import { aClickstreamRecord, asBytes, testHashKey } from './clickstream-fixtures';

const keptLine = (outcome: StripOutcome) => {
  if (outcome.outcome !== 'kept') throw new Error(`expected kept, got ${JSON.stringify(outcome)}`);
  expect(outcome.line.toString('utf8').endsWith('\n')).toBe(true);
  return JSON.parse(outcome.line.toString('utf8')) as Record<string, unknown>;
};

describe('stripPersonalData', () => {
  it('keeps what was looked at, when and in which session, and replaces the user id with its keyed hash', () => {
    const record = aClickstreamRecord({ type: 'add-to-cart' });

    const line = keptLine(stripPersonalData(asBytes(record), testHashKey));

    expect(line).toEqual({
      type: 'add-to-cart',
      sku: 'TEA-SENCHA',
      sessionId: 'session-3f9a1c2b',
      occurredAt: '2026-12-02T10:15:30.000Z',
      receivedAt: '2026-12-02T10:15:30.412Z',
      userHash: createHmac('sha256', testHashKey).update(record.userId!).digest('hex'),
    });
  });

  it('leaves no trace of the IP address, the user agent or the user id in what it keeps', () => {
    const record = aClickstreamRecord();

    const outcome = stripPersonalData(asBytes(record), testHashKey);

    const text = outcome.outcome === 'kept' ? outcome.line.toString('utf8') : '';
    expect(text).not.toBe('');
    for (const personal of [record.ip, record.userAgent, record.userId!, '"ip"', '"userAgent"', '"userId"'])
      expect(text).not.toContain(personal);
  });

  it('writes one event per line, so a delivered object is JSON lines', () => {
    const outcome = stripPersonalData(asBytes(aClickstreamRecord()), testHashKey);

    expect(outcome.outcome === 'kept' && outcome.line.toString('utf8').split('\n')).toEqual([expect.any(String), '']);
  });

  it('keeps an anonymous shopper’s event without a user hash', () => {
    const { userId: _userId, ...anonymous } = aClickstreamRecord();

    const line = keptLine(stripPersonalData(asBytes(anonymous), testHashKey));

    expect(line).not.toHaveProperty('userHash');
    expect(line.sku).toBe('TEA-SENCHA');
  });

  it('copies known fields only: a field a producer adds does not reach the data lake', () => {
    const line = keptLine(
      stripPersonalData(asBytes({ ...aClickstreamRecord(), email: 'ana@example.com', referrer: 'x' }), testHashKey),
    );

    expect(Object.keys(line).sort()).toEqual(['occurredAt', 'receivedAt', 'sessionId', 'sku', 'type', 'userHash']);
  });

  it('gives one user the same hash every time, another user another, and another key another', () => {
    expect(userHash('user-1', testHashKey)).toBe(userHash('user-1', testHashKey));
    expect(userHash('user-1', testHashKey)).not.toBe(userHash('user-2', testHashKey));
    expect(userHash('user-1', testHashKey)).not.toBe(userHash('user-1', 'another key of sixty-four characters.....'));
    expect(userHash('user-1', testHashKey)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('drops robots’ visits', () => {
    const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

    expect(stripPersonalData(asBytes(aClickstreamRecord({ userAgent: googlebot })), testHashKey)).toEqual({
      outcome: 'dropped',
      reason: 'bot',
    });
  });

  it.each([
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
    'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
    'curl/8.5.0',
    'python-requests/2.32.3',
  ])('counts %s as a robot', (userAgent) => {
    expect(isBot(userAgent)).toBe(true);
  });

  it.each([
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (Linux; Android 10; Cubot X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:126.0) Gecko/20100101 Firefox/126.0',
  ])('counts %s as a shopper', (userAgent) => {
    expect(isBot(userAgent)).toBe(false);
  });

  it('fails a record that is not JSON', () => {
    expect(stripPersonalData(Buffer.from('Hello World'), testHashKey)).toEqual({
      outcome: 'failed',
      reason: 'not JSON',
    });
  });

  it('fails a record that is not UTF-8', () => {
    expect(stripPersonalData(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), testHashKey)).toEqual({
      outcome: 'failed',
      reason: 'not UTF-8',
    });
  });

  it('fails an event of a type it does not know, naming the field and not echoing the data', () => {
    const outcome = stripPersonalData(asBytes(aClickstreamRecord({ type: 'scroll' as 'view' })), testHashKey);

    expect(outcome).toEqual({ outcome: 'failed', reason: expect.stringMatching(/^type: /) });
    expect(JSON.stringify(outcome)).not.toContain('203.0.113.7');
  });

  it('fails a record missing its SKU, or with a malformed session id', () => {
    const { sku: _sku, ...noSku } = aClickstreamRecord();

    expect(stripPersonalData(asBytes(noSku), testHashKey)).toEqual({
      outcome: 'failed',
      reason: expect.stringMatching(/^sku: /),
    });
    expect(stripPersonalData(asBytes(aClickstreamRecord({ sessionId: 'short' })), testHashKey)).toEqual({
      outcome: 'failed',
      reason: expect.stringMatching(/^sessionId: /),
    });
  });

  it('fails JSON that is not an object (an array, a string)', () => {
    expect(stripPersonalData(asBytes([aClickstreamRecord()]), testHashKey).outcome).toBe('failed');
    expect(stripPersonalData(asBytes('view'), testHashKey).outcome).toBe('failed');
  });

  it('refuses a record over 16 KiB without parsing it', () => {
    const huge = asBytes(aClickstreamRecord({ userAgent: 'x'.repeat(maxRecordBytes) }));

    expect(stripPersonalData(huge, testHashKey)).toEqual({
      outcome: 'failed',
      reason: `record is ${huge.length} bytes, over ${maxRecordBytes}`,
    });
  });
});
