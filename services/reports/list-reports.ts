// GET /reports (admin): the days that have a sales report, newest first.
import { s3 } from '../../shared/adapters/s3/client';
import { S3ReportStore } from '../../shared/adapters/s3/report-store';
import { config } from '../../shared/config';
import { ok } from '../../shared/http/responses';
import { listReports } from '../../shared/reports/sales-report';
import { httpRoute } from '../../shared/triggers/http-route';

const store = new S3ReportStore(s3, config('reportsBucket'));

export const handler = httpRoute({ roles: ['admin'] }, async () => ok(await listReports(store)));
