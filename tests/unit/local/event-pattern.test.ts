// EventBridge event patterns as EventBridge matches them (infra/local/aws/eventbridge/event-pattern.ts).
// The cases follow AWS's documentation of patterns and their comparison operators.
import { compileEventPattern, EventPatternError } from '../../../infra/local/aws/eventbridge/event-pattern';

const orderPlaced = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'OrderPlaced',
  source: 'shelf.orders',
  account: '000000000000',
  time: '2026-12-03T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    orderId: 'o-1',
    total: { cents: 1999, currency: 'EUR' },
    categories: ['kitchen', 'garden'],
    customer: { email: 'Ada@Example.com', ip: '10.0.3.17' },
    note: null,
  },
};

const matches = (pattern: unknown, event: unknown = orderPlaced) => compileEventPattern(pattern)(event);

describe('event patterns', () => {
  it('match exact values, every field named (AND), any value listed (OR)', () => {
    expect(matches({ source: ['shelf.orders'] })).toBe(true);
    expect(matches({ source: ['shelf.orders'], 'detail-type': ['OrderPlaced', 'OrderCancelled'] })).toBe(true);
    expect(matches({ source: ['shelf.orders'], 'detail-type': ['OrderCancelled'] })).toBe(false);
    expect(matches({ detail: { total: { currency: ['EUR'] } } })).toBe(true);
    expect(matches({ detail: { total: { cents: [1999] } } })).toBe(true);
    // Types count: the string "1999" is not the number 1999.
    expect(matches({ detail: { total: { cents: ['1999'] } } })).toBe(false);
    expect(matches({ detail: { note: [null] } })).toBe(true);
  });

  it('match an array in the event when any of its elements matches', () => {
    expect(matches({ detail: { categories: ['garden'] } })).toBe(true);
    expect(matches({ detail: { categories: ['toys'] } })).toBe(false);
  });

  it('match nothing on a field the event lacks, except exists: false', () => {
    expect(matches({ detail: { coupon: ['SPRING'] } })).toBe(false);
    expect(matches({ detail: { coupon: [{ 'anything-but': 'SPRING' }] } })).toBe(false);
    expect(matches({ detail: { coupon: [{ exists: false }] } })).toBe(true);
    expect(matches({ detail: { orderId: [{ exists: true }] } })).toBe(true);
    expect(matches({ detail: { orderId: [{ exists: false }] } })).toBe(false);
    expect(matches({ detail: { missing: { deeper: [{ exists: false }] } } })).toBe(true);
  });

  it('take prefix, suffix, equals-ignore-case and wildcard', () => {
    expect(matches({ source: [{ prefix: 'shelf.' }] })).toBe(true);
    expect(matches({ detail: { customer: { email: [{ suffix: '@Example.com' }] } } })).toBe(true);
    expect(matches({ detail: { customer: { email: [{ suffix: '@example.com' }] } } })).toBe(false);
    expect(matches({ detail: { customer: { email: [{ suffix: { 'equals-ignore-case': '@EXAMPLE.COM' } }] } } })).toBe(
      true,
    );
    expect(matches({ detail: { customer: { email: [{ 'equals-ignore-case': 'ada@example.COM' }] } } })).toBe(true);
    expect(matches({ 'detail-type': [{ wildcard: 'Order*d' }] })).toBe(true);
    expect(matches({ 'detail-type': [{ wildcard: 'Order*x' }] })).toBe(false);
    // Operators on strings never match numbers.
    expect(matches({ detail: { total: { cents: [{ prefix: '19' }] } } })).toBe(false);
  });

  it('take anything-but of a value, a list, or a prefix', () => {
    expect(matches({ source: [{ 'anything-but': 'shelf.catalog' }] })).toBe(true);
    expect(matches({ source: [{ 'anything-but': ['shelf.orders', 'shelf.catalog'] }] })).toBe(false);
    expect(matches({ source: [{ 'anything-but': { prefix: 'shelf.' } }] })).toBe(false);
    expect(matches({ detail: { categories: [{ 'anything-but': 'kitchen' }] } })).toBe(true);
  });

  it('compare numbers with numeric, one or two comparisons', () => {
    expect(matches({ detail: { total: { cents: [{ numeric: ['>', 1000, '<=', 1999] }] } } })).toBe(true);
    expect(matches({ detail: { total: { cents: [{ numeric: ['<', 1999] }] } } })).toBe(false);
    expect(matches({ detail: { total: { cents: [{ numeric: ['=', 1999] }] } } })).toBe(true);
    expect(matches({ detail: { orderId: [{ numeric: ['>', 0] }] } })).toBe(false);
  });

  it('match IPv4 addresses in a cidr block', () => {
    expect(matches({ detail: { customer: { ip: [{ cidr: '10.0.0.0/16' }] } } })).toBe(true);
    expect(matches({ detail: { customer: { ip: [{ cidr: '10.1.0.0/16' }] } } })).toBe(false);
  });

  it('take $or between patterns, at any level', () => {
    const stockOrPrice = {
      source: ['shelf.catalog', 'shelf.orders'],
      $or: [{ 'detail-type': ['StockLow'] }, { detail: { total: { cents: [{ numeric: ['>=', 1000] }] } } }],
    };
    expect(matches(stockOrPrice)).toBe(true);
    expect(matches(stockOrPrice, { ...orderPlaced, detail: { total: { cents: 500 } } })).toBe(false);
  });

  it('accept the pattern as JSON text, as CloudFormation may give it', () => {
    expect(matches('{"source":["shelf.orders"]}')).toBe(true);
  });

  it.each([
    [{}, /non-empty JSON object/],
    ['{not json', /not valid JSON/],
    [{ source: 'shelf.orders' }, /at source: a pattern field is an object or an array/],
    [{ source: [] }, /at source: a leaf array cannot be empty/],
    [{ source: [{ prefix: 'a', suffix: 'b' }] }, /one key, this has 2/],
    [{ source: [{ regex: 'a.*' }] }, /unknown operator "regex"/],
    [{ detail: { n: [{ numeric: ['>', 'one'] }] } }, /at detail.n: numeric/],
    [{ detail: { n: [{ numeric: ['!=', 1] }] } }, /is not a comparison/],
    [{ detail: { ip: [{ cidr: '10.0.0.0/40' }] } }, /cidr takes an IPv4 block/],
    [{ source: [{ exists: 'yes' }] }, /exists takes true or false/],
    [{ $or: [{ source: ['a'] }] }, /\$or takes a list of at least two patterns/],
  ])('refuses %j, naming the field', (pattern, problem) => {
    expect(() => compileEventPattern(pattern)).toThrow(EventPatternError);
    expect(() => compileEventPattern(pattern)).toThrow(problem);
  });
});
