// The nightly report's function, fed AWS's sample scheduled event, with the PostgreSQL figures
// mocked and S3 an in-memory bucket: which day it reports, what lands in the bucket and in which
// order, a rerun, and the events it refuses.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { handler } from '../../../services/reports/build-sales-report';
import { PostgresSalesFigures } from '../../../shared/adapters/postgres/sales-figures';
import { metrics } from '../../../shared/observability';
import scheduleSample from '../../fixtures/events/eventbridge-scheduled-event.json';
import s3Sample from '../../fixtures/events/s3-event.json';
import { lambdaContext } from '../../helpers/http-events';
import { busyDay, quietDay } from './report-fixtures';
import { mockBucket } from './s3-bucket-mock';

// No database in unit tests: the adapter is an automatic mock whose answer each test sets.
jest.mock('../../../shared/adapters/postgres/sales-figures');
const daySales = jest.spyOn(PostgresSalesFigures.prototype, 'daySales');
const bucket = mockBucket();
jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);

/** AWS's sample scheduled event (its time: 2015-10-08T16:53:06Z), with `detail` as given. */
const scheduledEvent = (detail: unknown = {}) => ({ ...structuredClone(scheduleSample), detail });
const run = (event: unknown) => handler(event, lambdaContext());
const keys = () => [...bucket.objects.keys()].sort();

beforeEach(() => {
  bucket.reset();
  daySales.mockReset();
  daySales.mockResolvedValue(busyDay);
});

describe('buildSalesReport', () => {
  it("reports the UTC day before the schedule's time: CSV and summary first, the manifest last", async () => {
    const result = await run(scheduledEvent());

    expect(daySales).toHaveBeenCalledWith(new Date('2015-10-07T00:00:00Z'), new Date('2015-10-08T00:00:00Z'));
    expect(result).toMatchObject({ date: '2015-10-07', orders: 4 });
    expect(keys()).toEqual([result.files.csv, result.files.html, 'manifests/2015-10-07.json'].sort());
    expect(result.files.csv).toMatch(/^reports\/2015-10-07\/[\w-]+\/sales-2015-10-07\.csv$/);
    const puts = bucket.s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
    expect(puts.at(-1)).toBe('manifests/2015-10-07.json');
    const manifest = JSON.parse(bucket.objects.get('manifests/2015-10-07.json')!.body);
    expect(manifest).toMatchObject({ date: '2015-10-07', orders: 4, files: result.files });
    expect(bucket.objects.get(result.files.csv)!.contentType).toBe('text/csv; charset=utf-8');
    expect(bucket.objects.get(result.files.html)!.contentType).toBe('text/html; charset=utf-8');
  });

  it('builds the day the event names in detail.date (a rerun or a backfill)', async () => {
    const result = await run(scheduledEvent({ date: '2015-09-30' }));

    expect(daySales).toHaveBeenCalledWith(new Date('2015-09-30T00:00:00Z'), new Date('2015-10-01T00:00:00Z'));
    expect(result.date).toBe('2015-09-30');
  });

  it('publishes an empty but valid report for a day with no orders', async () => {
    daySales.mockResolvedValue(quietDay);

    const result = await run(scheduledEvent());

    expect(result.orders).toBe(0);
    expect(parse(bucket.objects.get(result.files.csv)!.body)).toEqual([
      ['date', 'sku', 'name', 'category', 'currency', 'orders', 'units', 'revenue_cents'],
    ]);
  });

  it('replaces the report of a day built again: the manifest names the new files, the old ones are gone', async () => {
    const first = await run(scheduledEvent());
    daySales.mockResolvedValue(quietDay);

    const second = await run(scheduledEvent());

    expect(second.files.csv).not.toBe(first.files.csv);
    expect(keys()).toEqual([second.files.csv, second.files.html, 'manifests/2015-10-07.json'].sort());
    expect(JSON.parse(bucket.objects.get('manifests/2015-10-07.json')!.body)).toMatchObject({
      orders: 0,
      files: second.files,
    });
  });

  it('writes no manifest when a file could not be written: the earlier report stays whole', async () => {
    const first = await run(scheduledEvent());
    bucket.s3.on(PutObjectCommand, { ContentType: 'text/html; charset=utf-8' }).rejects(new Error('SlowDown'));

    await expect(run(scheduledEvent())).rejects.toThrow('SlowDown');

    expect(JSON.parse(bucket.objects.get('manifests/2015-10-07.json')!.body).files).toEqual(first.files);
    expect(bucket.objects.has(first.files.csv)).toBe(true);
  });

  it.each([
    ['a day that does not exist', { date: '2015-02-30' }],
    ['a day in another format', { date: '07/10/2015' }],
    ['a day that is not text', { date: 20151007 }],
  ])('fails on %s, naming detail.date, and builds nothing', async (_, detail) => {
    await expect(run(scheduledEvent(detail))).rejects.toMatchObject({
      details: [{ field: 'detail.date', message: expect.any(String) }],
    });
    expect(daySales).not.toHaveBeenCalled();
    expect(bucket.objects.size).toBe(0);
  });

  it('fails on an event no schedule sends', async () => {
    await expect(run(structuredClone(s3Sample))).rejects.toThrow();
    expect(daySales).not.toHaveBeenCalled();
  });
});
