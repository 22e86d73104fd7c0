// CloudWatch Logs filter patterns as a subscription filter matches them
// (infra/local/aws/logs/filter-pattern.ts). The cases follow AWS's documentation of the syntax:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
import {
  FilterPatternError,
  parseFilterPattern,
  spaceDelimitedFields,
} from '../../../infra/local/aws/logs/filter-pattern';

const matches = (pattern: string, message: string) => parseFilterPattern(pattern).matches(message);

// AWS's examples of unstructured events.
const unstructured = [
  '[ERROR 400] BAD REQUEST',
  '[ERROR 401] UNAUTHORIZED REQUEST',
  '[ERROR 419] MISSING ARGUMENTS',
  '[ERROR 420] INVALID ARGUMENTS',
];

// A Powertools logger line, as the shop's functions write them.
const powertoolsError = JSON.stringify({
  level: 'ERROR',
  message: 'Order not placed',
  timestamp: '2026-12-03T01:00:00.000Z',
  service: 'shelf',
  cold_start: false,
  function_name: 'shelf-local-placeOrder',
  function_request_id: '308b7f6d-581d-46a1-898b-e1413e143138',
  error: { name: 'OutOfStock', message: 'TEA-SENCHA: 0 left', stack: 'OutOfStock: ...' },
});

// AWS's example of a JSON event (a CloudTrail record, shortened).
const cloudTrail = JSON.stringify({
  eventType: 'UpdateTrail',
  sourceIPAddress: '123.123.123.123',
  arrayKey: ['value', 'another value'],
  objectList: [
    { name: 'a', id: 1 },
    { name: 'b', id: 2 },
  ],
  SomeObject: null,
  cidrIp: '10.0.0.0/16',
  bandwidth: 80,
  latency: 40,
  refreshRate: 60,
  responseTime: 5,
  errorCode: 400,
  ThisFlag: true,
  user: { id: 1, email: 'John.Doe@example.com' },
  users: [
    { id: 2, email: 'John.Doe@example.com', name: 'Jane Doe' },
    { id: 3, email: 'John.Stiles@example.com' },
  ],
  actions: ['GET', 'PUT', 'DELETE'],
  coordinates: [
    [0, 1],
    [2, 3],
  ],
});

const matching = (pattern: string) => unstructured.filter((line) => matches(pattern, line));

describe('filter patterns on unstructured events', () => {
  it('match every event when empty', () => {
    expect(matching('')).toEqual(unstructured);
    expect(matching('   ')).toEqual(unstructured);
    expect(matches('', powertoolsError)).toBe(true);
  });

  it('match a term anywhere in the event, case sensitive', () => {
    expect(matching('ERROR')).toEqual(unstructured);
    expect(matching('ARGUMENTS')).toEqual(unstructured.slice(2));
    expect(matching('arguments')).toEqual([]);
    expect(matching('Error')).toEqual([]);
    expect(matches('ERROR', powertoolsError)).toBe(true);
  });

  it('need every term (AND)', () => {
    expect(matching('ERROR ARGUMENTS')).toEqual(unstructured.slice(2));
    expect(matching('INVALID ARGUMENTS')).toEqual([unstructured[3]]);
    expect(matching('INVALID UNAUTHORIZED')).toEqual([]);
  });

  it('need one of the ? terms (OR)', () => {
    expect(matching('?ERROR ?ARGUMENTS')).toEqual(unstructured);
    expect(matching('?UNAUTHORIZED ?MISSING')).toEqual([unstructured[1], unstructured[2]]);
    expect(matching('?WARN ?DEBUG')).toEqual([]);
  });

  it('exclude the - terms', () => {
    expect(matching('ERROR -ARGUMENTS')).toEqual(unstructured.slice(0, 2));
    expect(matching('-ARGUMENTS')).toEqual(unstructured.slice(0, 2));
    expect(matching('ERROR -ERROR')).toEqual([]);
  });

  it('match a quoted phrase exactly, spaces and symbols included', () => {
    expect(matching('"INVALID ARGUMENTS"')).toEqual([unstructured[3]]);
    expect(matching('"ERROR 419"')).toEqual([unstructured[2]]);
    expect(matching('"[ERROR 4"')).toEqual(unstructured);
    // The words alone would match; the phrase does not appear.
    expect(matching('"ARGUMENTS INVALID"')).toEqual([]);
    expect(matching('-"BAD REQUEST" ?"MISSING" ?"INVALID"')).toEqual(unstructured.slice(2));
    expect(matches('"say \\"hi\\""', 'they say "hi"')).toBe(true);
  });

  it('match a %regular expression%', () => {
    expect(matching('%ERROR 4[01]9%')).toEqual([unstructured[2]]);
    expect(matching('%REQUEST$%')).toEqual(unstructured.slice(0, 2));
    expect(matching('%^\\[ERROR 42.\\]%')).toEqual([unstructured[3]]);
    expect(matching('%colou?r%')).toEqual([]);
  });
});

describe('filter patterns on JSON events', () => {
  it('compare a selected string with = and !=, wildcards included', () => {
    expect(matches('{ $.eventType = "UpdateTrail" }', cloudTrail)).toBe(true);
    expect(matches('{ $.eventType = UpdateTrail }', cloudTrail)).toBe(true);
    expect(matches('{ $.eventType = "updatetrail" }', cloudTrail)).toBe(false);
    expect(matches('{ $.eventType = "Update*" }', cloudTrail)).toBe(true);
    expect(matches('{ $.eventType = "*Trail" }', cloudTrail)).toBe(true);
    expect(matches('{ $.eventType = "*Bucket" }', cloudTrail)).toBe(false);
    expect(matches('{ $.sourceIPAddress != 123.123.* }', cloudTrail)).toBe(false);
    expect(matches('{ $.sourceIPAddress != 10.0.* }', cloudTrail)).toBe(true);
    expect(matches('{ $.cidrIp = 10.0.0.0/16 }', cloudTrail)).toBe(true);
    expect(matches('{ $.eventType = "*" }', cloudTrail)).toBe(true);
  });

  it('select nested keys and array elements', () => {
    expect(matches('{ $.arrayKey[0] = "value" }', cloudTrail)).toBe(true);
    expect(matches('{ $.arrayKey[1] = "value" }', cloudTrail)).toBe(false);
    expect(matches('{ $.objectList[1].id = 2 }', cloudTrail)).toBe(true);
    expect(matches('{ $.objectList[1].id = 1 }', cloudTrail)).toBe(false);
    expect(matches('{ $.user.email = "John.Doe@example.com" }', cloudTrail)).toBe(true);
    expect(matches('{ $.coordinates[1][0] = 2 }', cloudTrail)).toBe(true);
    expect(matches('{ $.error.name = "OutOfStock" }', powertoolsError)).toBe(true);
  });

  it('compare numbers', () => {
    expect(matches('{ $.bandwidth > 75 }', cloudTrail)).toBe(true);
    expect(matches('{ $.bandwidth > 80 }', cloudTrail)).toBe(false);
    expect(matches('{ $.latency < 50 }', cloudTrail)).toBe(true);
    expect(matches('{ $.refreshRate >= 60 }', cloudTrail)).toBe(true);
    expect(matches('{ $.refreshRate >= 61 }', cloudTrail)).toBe(false);
    expect(matches('{ $.responseTime <= 5 }', cloudTrail)).toBe(true);
    expect(matches('{ $.errorCode = 400 }', cloudTrail)).toBe(true);
    expect(matches('{ $.errorCode = 4e2 }', cloudTrail)).toBe(true);
    expect(matches('{ $.errorCode != 500 }', cloudTrail)).toBe(true);
    expect(matches('{ $.errorCode != 400 }', cloudTrail)).toBe(false);
    expect(matches('{ $.latency > -1.5 }', cloudTrail)).toBe(true);
  });

  it('do not match a value the event lacks or of another type, with != too', () => {
    expect(matches('{ $.missing = "x" }', cloudTrail)).toBe(false);
    expect(matches('{ $.missing != "x" }', cloudTrail)).toBe(false);
    expect(matches('{ $.missing > 1 }', cloudTrail)).toBe(false);
    expect(matches('{ $.user.missing.deeper = 1 }', cloudTrail)).toBe(false);
    // "400" is not 400, and a number is not a string.
    expect(matches('{ $.errorCode = "400" }', cloudTrail)).toBe(false);
    expect(matches('{ $.eventType > 3 }', cloudTrail)).toBe(false);
    expect(matches('{ $.eventType != 3 }', cloudTrail)).toBe(false);
  });

  it('test null, booleans and existence', () => {
    expect(matches('{ $.SomeObject IS NULL }', cloudTrail)).toBe(true);
    expect(matches('{ $.eventType IS NULL }', cloudTrail)).toBe(false);
    // A missing value is not null.
    expect(matches('{ $.SomeOtherObject IS NULL }', cloudTrail)).toBe(false);
    expect(matches('{ $.SomeOtherObject NOT EXISTS }', cloudTrail)).toBe(true);
    expect(matches('{ $.SomeObject NOT EXISTS }', cloudTrail)).toBe(false);
    expect(matches('{ $.SomeObject EXISTS }', cloudTrail)).toBe(true);
    expect(matches('{ $.SomeOtherObject EXISTS }', cloudTrail)).toBe(false);
    expect(matches('{ $.ThisFlag IS TRUE }', cloudTrail)).toBe(true);
    expect(matches('{ $.ThisFlag IS FALSE }', cloudTrail)).toBe(false);
  });

  it('combine with &&, || (&& first) and parentheses', () => {
    expect(matches('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', cloudTrail)).toBe(true);
    expect(matches('{ ($.user.id = 2) && ($.users[0].email = "John.Doe@example.com") }', cloudTrail)).toBe(false);
    expect(matches('{ ($.user.id = 2 && $.users[0].name = "Jane Doe") || $.actions[2] = "GET" }', cloudTrail)).toBe(
      false,
    );
    expect(matches('{ ($.user.id = 2 && $.users[0].name = "Jane Doe") || $.actions[2] = "DELETE" }', cloudTrail)).toBe(
      true,
    );
    // && binds tighter: false || (true && true).
    expect(matches('{ $.user.id = 2 || $.user.id = 1 && $.latency < 50 }', cloudTrail)).toBe(true);
    expect(matches('{ ($.user.id = 2 || $.user.id = 1) && $.latency > 50 }', cloudTrail)).toBe(false);
    expect(matches('{$.level="ERROR"&&$.service="shelf"}', powertoolsError)).toBe(true);
  });

  it('match a string value by %regular expression%', () => {
    expect(matches('{ $.eventType = %Trail$% }', cloudTrail)).toBe(true);
    expect(matches('{ $.eventType = %^Trail% }', cloudTrail)).toBe(false);
  });

  it('match no event that is not a JSON object', () => {
    expect(matches('{ $.level = "ERROR" }', powertoolsError)).toBe(true);
    expect(matches('{ $.level = "ERROR" }', powertoolsError.replace('"ERROR"', '"INFO"'))).toBe(false);
    expect(matches('{ $.level = "ERROR" }', 'ERROR {"level":"ERROR"}')).toBe(false);
    expect(matches('{ $.level = "ERROR" }', '{"level":"ERROR"')).toBe(false);
    expect(matches('{ $[0] = 1 }', '[1]')).toBe(false);
  });
});

// AWS's example of a space-delimited event: an Apache access log line.
const accessLog = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534';

describe('space-delimited filter patterns', () => {
  it('see fields separated by spaces, a quoted or bracketed run being one field', () => {
    expect(spaceDelimitedFields(accessLog)).toEqual([
      '127.0.0.1',
      '-',
      'frank',
      '10/Oct/2000:13:25:15 -0700',
      'GET /apache_pb.gif HTTP/1.0',
      '200',
      '1534',
    ]);
  });

  it('match when every field is named, or ... stands for the rest', () => {
    expect(matches('[ip, user, username, timestamp, request, status_code, bytes]', accessLog)).toBe(true);
    expect(matches('[ip, user, username, timestamp, request, status_code]', accessLog)).toBe(false);
    expect(matches('[ip, user, username, timestamp, request, status_code, bytes, extra]', accessLog)).toBe(false);
    expect(matches('[ip, ...]', accessLog)).toBe(true);
    expect(matches('[..., status_code, bytes]', accessLog)).toBe(true);
    expect(matches('[ip, ..., bytes]', accessLog)).toBe(true);
  });

  it("apply the fields' conditions: wildcards, numbers, !=, || and &&", () => {
    expect(
      matches('[ip, user, username, timestamp, request = "*gif*", status_code = 2*, bytes > 1000]', accessLog),
    ).toBe(true);
    expect(matches('[ip, user, username, timestamp, request, status_code = 4*, bytes]', accessLog)).toBe(false);
    expect(matches('[ip = 127.0.0.*, ...]', accessLog)).toBe(true);
    expect(matches('[ip = 10.*, ...]', accessLog)).toBe(false);
    expect(matches('[..., status_code = 200, bytes]', accessLog)).toBe(true);
    expect(matches('[..., status_code != 200, bytes]', accessLog)).toBe(false);
    expect(matches('[..., status_code != 404, bytes]', accessLog)).toBe(true);
    expect(matches('[..., status_code = 404 || status_code = 200, bytes]', accessLog)).toBe(true);
    expect(matches('[..., status_code = 404 || status_code = 410, bytes]', accessLog)).toBe(false);
    expect(matches('[..., status_code, bytes > 1000 && bytes < 2000]', accessLog)).toBe(true);
    expect(matches('[..., status_code, bytes >= 2000]', accessLog)).toBe(false);
    // A field that does not read as a number fails a numeric comparison.
    expect(matches('[ip, user > 0, ...]', accessLog)).toBe(false);
    expect(matches('[ip, user, username = Frank, ...]', accessLog)).toBe(false);
    expect(matches('[ip, user, username, timestamp, request = %^GET /[a-z_]+.gif%, ...]', accessLog)).toBe(true);
  });

  it('try every way ... can take fields until the conditions hold', () => {
    // Which field is `code` depends on how many fields ... takes.
    expect(matches('[level, ..., code = 5*, ...]', 'ERROR a 200 b 503 c')).toBe(true);
    expect(matches('[level, ..., code = 5*, ...]', 'ERROR a 200 b 404 c')).toBe(false);
  });
});

describe('invalid filter patterns', () => {
  const refused = (pattern: string) => {
    try {
      parseFilterPattern(pattern);
    } catch (error) {
      expect(error).toBeInstanceOf(FilterPatternError);
      return (error as Error).message;
    }
    throw new Error(`${pattern} was accepted`);
  };

  it('are refused with the problem named', () => {
    expect(refused('ERROR:')).toMatch(
      /ERROR: has characters other than letters, digits and _: put it in double quotes/,
    );
    expect(refused('"unclosed')).toMatch(/quote opened at 1 is never closed/);
    expect(refused('?')).toMatch(/"\?" must be followed by a term/);
    expect(refused('"a"b')).toMatch(/separated by spaces/);
    expect(refused('%a(b)%')).toMatch(/uses "\(", which is not supported/);
    expect(refused('%a% %b% %c%')).toMatch(/more than 2 regular expressions/);
    expect(refused('{ $.level = "ERROR" ')).toMatch(/must end with }/);
    expect(refused('{ }')).toMatch(/empty JSON pattern/);
    expect(refused('{ level = "ERROR" }')).toMatch(/selector must start with \$/);
    expect(refused('{ $ = 1 }')).toMatch(/must name a field/);
    expect(refused('{ $.a[x] = 1 }')).toMatch(/array index must be a number/);
    expect(refused('{ $.level "ERROR" }')).toMatch(/followed by an operator/);
    expect(refused('{ $.level = }')).toMatch(/a value must follow =/);
    expect(refused('{ $.level > "ERROR" }')).toMatch(/> compares numbers/);
    expect(refused('{ $.level IS EMPTY }')).toMatch(/IS must be followed by NULL, TRUE or FALSE/);
    expect(refused('{ $.level NOT NULL }')).toMatch(/NOT must be followed by EXISTS/);
    expect(refused('{ ($.a = 1 }')).toMatch(/parenthesis is never closed/);
    expect(refused('{ $.a = 1 $.b = 2 }')).toMatch(/unexpected "\$\.b = 2"/);
    expect(refused('[ip, user')).toMatch(/must end with \]/);
    expect(refused('[ip, ip]')).toMatch(/the field ip is named twice/);
    expect(refused('[, user]')).toMatch(/a field must be named, or be \.\.\./);
    expect(refused('[...]')).toMatch(/must name at least one field/);
    expect(refused('[ip, bytes > abc]')).toMatch(/> compares numbers; bytes's value is not a number/);
    expect(refused('[ip, bytes = 1 && size = 2]')).toMatch(/names size, which is not a field of the pattern/);
    expect(refused('[ip, bytes 1]')).toMatch(/bytes must be followed by an operator/);
    expect(refused(`"${'x'.repeat(1030)}"`)).toMatch(/longer than 1024 characters/);
  });
});
