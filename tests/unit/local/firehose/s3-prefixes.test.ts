import {
  effectivePrefixes,
  evaluatePrefix,
  formatDate,
  objectKey,
} from '../../../../infra/local/aws/firehose/s3-prefixes';

// The documentation's own instant: 10:30 AM UTC on Aug 27, 2018.
const instant = new Date(Date.UTC(2018, 7, 27, 10, 30, 5));

describe('Firehose S3 prefixes', () => {
  it('formats timestamps with Java DateTimeFormatter patterns, in UTC, quoted text taken literally', () => {
    expect(formatDate('yyyy/MM/dd/HH/', instant)).toBe('2018/08/27/10/');
    expect(formatDate("'year='yyyy'/month='MM'/day='dd'/hour='HH", instant)).toBe('year=2018/month=08/day=27/hour=10');
    expect(formatDate('yyyy-MM-dd-HH-mm-ss', instant)).toBe('2018-08-27-10-30-05');
    expect(formatDate("yy''M", new Date(Date.UTC(2026, 0, 3)))).toBe("26'1");
    // Still the 27th in UTC, whatever the machine's time zone.
    expect(formatDate('dd', new Date(Date.UTC(2018, 7, 27, 23, 59)))).toBe('27');
  });

  it('refuses pattern letters it cannot format instead of printing them wrong', () => {
    expect(() => formatDate('yyyy-ww', instant)).toThrow(/uses "w"/);
  });

  it('evaluates the data lake’s partitions, every timestamp the same instant', () => {
    const declared = {
      prefix: 'clickstream/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/',
      errorOutputPrefix:
        'clickstream-errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/',
    };
    const { prefix, errorOutputPrefix } = effectivePrefixes(declared);

    expect(evaluatePrefix(prefix, { timestamp: instant })).toBe('clickstream/year=2018/month=08/day=27/');
    expect(evaluatePrefix(errorOutputPrefix, { timestamp: instant, errorOutputType: 'processing-failed' })).toBe(
      'clickstream-errors/processing-failed/year=2018/month=08/day=27/',
    );
  });

  it('gives each !{firehose:random-string} a new random string of 11 characters', () => {
    const evaluated = evaluatePrefix('a/!{firehose:random-string}/b/!{firehose:random-string}/', {
      timestamp: instant,
    });

    const [, first, , second] = evaluated.split('/');
    expect(first).toHaveLength(11);
    expect(second).toHaveLength(11);
    expect(first).not.toBe(second);
  });

  it('appends yyyy/MM/dd/HH/ to a Prefix without a timestamp, and makes the error prefix from it when none is given', () => {
    expect(effectivePrefixes({})).toEqual({
      prefix: '!{timestamp:yyyy/MM/dd/HH/}',
      errorOutputPrefix: '!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH/}',
    });
    const { prefix, errorOutputPrefix } = effectivePrefixes({ prefix: 'events/' });
    expect(evaluatePrefix(prefix, { timestamp: instant })).toBe('events/2018/08/27/10/');
    expect(evaluatePrefix(errorOutputPrefix, { timestamp: instant, errorOutputType: 'processing-failed' })).toBe(
      'events/processing-failed/2018/08/27/10/',
    );
  });

  it('uses a declared error output prefix as it is', () => {
    const { errorOutputPrefix } = effectivePrefixes({
      errorOutputPrefix: 'myFirehoseFailures/!{firehose:error-output-type}/',
    });

    expect(evaluatePrefix(errorOutputPrefix, { timestamp: instant, errorOutputType: 'processing-failed' })).toBe(
      'myFirehoseFailures/processing-failed/',
    );
  });

  it.each([
    [{ prefix: '!{timestamp:yyyy/MM/dd}' }, /ErrorOutputPrefix must be set/],
    [{ prefix: 'a/', errorOutputPrefix: 'errors/!{timestamp:yyyy}/' }, /must contain !\{firehose:error-output-type\}/],
    [
      { prefix: 'a/!{firehose:error-output-type}/', errorOutputPrefix: 'e/!{firehose:error-output-type}' },
      /may not contain/,
    ],
    [
      { prefix: 'a/!{partitionKeyFromQuery:id}/', errorOutputPrefix: 'e/!{firehose:error-output-type}' },
      /not an expression/,
    ],
    [{ prefix: 'a/!{oops', errorOutputPrefix: '' }, /may only open/],
  ])('refuses %j as Firehose does', (declared, problem) => {
    expect(() => effectivePrefixes(declared)).toThrow(problem);
  });

  it('names objects <prefix><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>', () => {
    const key = objectKey({
      evaluatedPrefix: 'clickstream/year=2018/month=08/day=27/',
      streamName: 'shelf-local-clickstream-to-data-lake',
      timestamp: instant,
      compression: 'GZIP',
      uuid: '6f1bb5c4-0b84-4bd6-8a0e-1d2d2b1f2d3a',
    });

    expect(key).toBe(
      'clickstream/year=2018/month=08/day=27/shelf-local-clickstream-to-data-lake-1-2018-08-27-10-30-05-6f1bb5c4-0b84-4bd6-8a0e-1d2d2b1f2d3a.gz',
    );
  });
});
