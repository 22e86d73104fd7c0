// Nightly at 02:00 UTC (EventBridge schedule, services/reports/functions.yml buildSalesReport):
// yesterday's sales report, from PostgreSQL to the reports bucket (shared/reports/sales-report.ts).
// "Yesterday" is the UTC day before the event's `time`; an event may name the day instead
// (`detail.date`) to build a report again or one that was missed.
import { createPool } from '../../shared/adapters/postgres/pool';
import { PostgresSalesFigures } from '../../shared/adapters/postgres/sales-figures';
import { s3 } from '../../shared/adapters/s3/client';
import { S3ReportStore } from '../../shared/adapters/s3/report-store';
import { config } from '../../shared/config';
import { logger, metrics, MetricUnit } from '../../shared/observability';
import { requestedReportDate } from '../../shared/reports/report-requests';
import { buildSalesReport, reportDateFor } from '../../shared/reports/sales-report';
import { scheduled } from '../../shared/triggers/schedule';

const deps = {
  figures: new PostgresSalesFigures(createPool()),
  store: new S3ReportStore(s3, config('reportsBucket')),
};

export const handler = scheduled(async (event) => {
  const date = requestedReportDate(event.detail) ?? reportDateFor(new Date(event.time));
  const report = await buildSalesReport(deps, date);
  logger.info('Sales report published', { date, orders: report.orders, files: report.files });
  metrics.addMetric('SalesReportOrders', MetricUnit.Count, report.orders);
  return { date, orders: report.orders, currencies: report.currencies, files: report.files };
});
