/**
 * Admin: one day's sales report (GET /reports/{date}): its figures, a chart of the top products,
 * and links to download its CSV and HTML summary. The links are S3's, signed for a few minutes;
 * opening the page again signs new ones.
 */
import { BarChart } from '../bar-chart';
import { useShop } from '../context';
import { formatDateTime, formatMoney } from '../format';
import { ErrorMessage, Loading, PageTitle, useAsync } from '../ui';

export function ReportPage({ date }: { date: string }) {
  const { api } = useShop();
  const [loaded, reload] = useAsync(() => api.getReport(date), [api, date]);

  if (loaded.state === 'loading') return <Loading what={`the report for ${date}`} />;
  if (loaded.state === 'failed')
    return (
      <section>
        <PageTitle>Sales on {date}</PageTitle>
        <ErrorMessage error={loaded.error} retry={reload} />
        <p>
          <a href="/admin/reports">All reports</a>
        </p>
      </section>
    );
  const report = loaded.value;
  return (
    <section>
      <PageTitle>Sales on {report.date}</PageTitle>
      <p class="meta">
        {report.orders} {report.orders === 1 ? 'order' : 'orders'} between 00:00 and 24:00 UTC · built{' '}
        {formatDateTime(report.builtAt)}
      </p>
      <p class="downloads">
        <a href={report.downloads.csv} download>
          Download the CSV
        </a>{' '}
        ·{' '}
        <a href={report.downloads.html} download>
          Download the summary (HTML)
        </a>{' '}
        <span class="meta">(the links work until {formatDateTime(report.downloads.expiresAt)})</span>
      </p>
      {report.topProducts.length > 0 ? (
        <BarChart
          title="Top products by units sold"
          bars={report.topProducts.map((p) => ({
            label: `${p.name} (${p.currency})`,
            value: p.units,
            text: `${p.units} · ${formatMoney(p.revenueCents, p.currency)}`,
          }))}
        />
      ) : (
        <p class="empty">No orders this day.</p>
      )}
      {report.currencies.length > 0 && (
        <table class="figures">
          <caption>Revenue per currency</caption>
          <thead>
            <tr>
              <th scope="col">Currency</th>
              <th scope="col">Orders</th>
              <th scope="col">Revenue</th>
            </tr>
          </thead>
          <tbody>
            {report.currencies.map((c) => (
              <tr key={c.currency}>
                <td>{c.currency}</td>
                <td>{c.orders}</td>
                <td>{formatMoney(c.revenueCents, c.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.categories.length > 0 && (
        <table class="figures">
          <caption>Revenue per category</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col">Units</th>
              <th scope="col">Revenue</th>
            </tr>
          </thead>
          <tbody>
            {report.categories.map((c) => (
              <tr key={`${c.category} ${c.currency}`}>
                <td>{c.category}</td>
                <td>{c.units}</td>
                <td>{formatMoney(c.revenueCents, c.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Out of stock when the report was built ({report.stockOuts.count})</h2>
      {report.stockOuts.count === 0 ? (
        <p>Every product was in stock.</p>
      ) : (
        <ul class="stock-outs">
          {report.stockOuts.items.map((s) => (
            <li key={s.sku}>
              <a href={`/admin/products/${encodeURIComponent(s.sku)}`}>{s.name}</a> <span class="meta">({s.sku})</span>
            </li>
          ))}
          {report.stockOuts.count > report.stockOuts.items.length && (
            <li>…and {report.stockOuts.count - report.stockOuts.items.length} more</li>
          )}
        </ul>
      )}
      <p>
        <a href="/admin/reports">All reports</a>
      </p>
    </section>
  );
}
