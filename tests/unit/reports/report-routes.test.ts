// GET /reports and GET /reports/{date} through httpRoute, over an in-memory bucket and the real S3
// presigner (it signs locally; no request is sent).
import { handler as getReport } from '../../../services/reports/get-report';
import { handler as listReports } from '../../../services/reports/list-reports';
import { S3ReportStore } from '../../../shared/adapters/s3/report-store';
import { s3 } from '../../../shared/adapters/s3/client';
import { summarize } from '../../../shared/reports/sales-report';
import { httpEvent, invoke } from '../../helpers/http-events';
import { busyDay } from './report-fixtures';
import { mockBucket } from './s3-bucket-mock';

const bucket = mockBucket(() => new Date('2026-12-03T02:00:09Z'));
const store = new S3ReportStore(s3, process.env.REPORTS_BUCKET!);
const admin = { sub: 'admin-1', role: 'admin' as const };

const publish = (date: string) =>
  store.publish(summarize(date, busyDay, new Date('2026-12-03T02:00:07Z'), `build-${date}`), {
    csv: 'date\r\n',
    html: '<!doctype html>',
  });

beforeEach(() => bucket.reset());

describe('GET /reports', () => {
  it('lists the days that have a report, newest first', async () => {
    await publish('2026-11-30');
    await publish('2026-12-02');

    const response = await invoke(listReports, httpEvent({ method: 'GET', route: '/reports', caller: admin }));

    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({
      items: [
        { date: '2026-12-02', builtAt: '2026-12-03T02:00:09.000Z' },
        { date: '2026-11-30', builtAt: '2026-12-03T02:00:09.000Z' },
      ],
    });
  });

  it('is for admins only', async () => {
    const response = await invoke(
      listReports,
      httpEvent({ method: 'GET', route: '/reports', caller: { sub: 'shopper-1', role: 'shopper' } }),
    );

    expect(response.statusCode).toBe(403);
  });
});

describe('GET /reports/{date}', () => {
  const get = (date: string) =>
    invoke(getReport, httpEvent({ method: 'GET', route: '/reports/{date}', pathParameters: { date }, caller: admin }));

  it("answers the day's figures and links to its files that expire in five minutes", async () => {
    const { files } = await publish('2026-12-02');

    const response = await get('2026-12-02');

    expect(response.statusCode).toBe(200);
    const body = response.body as { orders: number; downloads: { csv: string; html: string }; files?: unknown };
    expect(body).toMatchObject({ date: '2026-12-02', orders: 4, topProducts: expect.any(Array) });
    expect(body.files).toBeUndefined();
    for (const [link, key] of [
      [body.downloads.csv, files.csv],
      [body.downloads.html, files.html],
    ] as const) {
      const url = new URL(link);
      expect(url.pathname).toContain(key);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
      expect(url.searchParams.get('response-content-disposition')).toBe(
        `attachment; filename="${key.split('/').at(-1)}"`,
      );
    }
  });

  it.each(['2026-02-30', '2026-12-2', 'latest'])('refuses %s with a 400 naming the date', async (date) => {
    const response = await get(date);

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: [{ field: 'date', message: 'must be a day as YYYY-MM-DD' }] },
    });
  });

  it('answers 404 for a day with no report', async () => {
    const response = await get('2026-12-01');

    expect(response.statusCode).toBe(404);
    expect(response.body).toMatchObject({
      error: { code: 'NOT_FOUND', message: 'There is no sales report for 2026-12-01' },
    });
  });
});
