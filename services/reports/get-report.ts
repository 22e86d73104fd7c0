// GET /reports/{date} (admin): a day's sales figures and short-lived links to its CSV and HTML summary.
// GET /reports/trending is another route (services/clickstream): API Gateway matches the static
// path before this one's {date}.
import { s3 } from '../../shared/adapters/s3/client';
import { S3ReportStore } from '../../shared/adapters/s3/report-store';
import { config } from '../../shared/config';
import { ok } from '../../shared/http/responses';
import { reportDatePath } from '../../shared/reports/report-requests';
import { getReport } from '../../shared/reports/sales-report';
import { httpRoute } from '../../shared/triggers/http-route';

const store = new S3ReportStore(s3, config('reportsBucket'));

export const handler = httpRoute({ roles: ['admin'], path: reportDatePath }, async ({ path }) =>
  ok(await getReport(store, path.date)),
);
