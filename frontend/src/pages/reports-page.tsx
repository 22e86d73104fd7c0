/** Admin: the nightly sales reports, one per day, newest first (GET /reports). */
import { useShop } from '../context';
import { formatDateTime } from '../format';
import { ErrorMessage, Loading, PageTitle, useAsync } from '../ui';

export function ReportsPage() {
  const { api } = useShop();
  const [reports, reload] = useAsync(() => api.listReports(), [api]);

  return (
    <section>
      <PageTitle>Sales reports</PageTitle>
      <p class="meta">Built every night at 02:00 UTC for the day before (UTC).</p>
      {reports.state === 'loading' && <Loading what="the reports" />}
      {reports.state === 'failed' && <ErrorMessage error={reports.error} retry={reload} />}
      {reports.state === 'done' && reports.value.items.length === 0 && (
        <p class="empty">No report yet: the first one is built tonight.</p>
      )}
      {reports.state === 'done' && reports.value.items.length > 0 && (
        <ul class="reports" aria-label="Reports, newest first">
          {reports.value.items.map((report) => (
            <li key={report.date}>
              <a href={`/admin/reports/${report.date}`}>Sales on {report.date}</a>{' '}
              <span class="meta">built {formatDateTime(report.builtAt)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
