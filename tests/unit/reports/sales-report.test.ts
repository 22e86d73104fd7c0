// The sales report's domain over in-memory ports: which day a run reports, the figures it sums,
// publishing (a rerun replaces the day's report), and reading it back with download links.
import { InvalidInputError, NotFoundError } from '../../../shared/errors';
import type { ReportFiles, ReportStore, SalesFigures } from '../../../shared/reports/report-ports';
import {
  buildSalesReport,
  downloadUrlSeconds,
  getReport,
  listReports,
  reportDateFor,
  summarize,
  type DaySales,
  type PublishedReport,
} from '../../../shared/reports/sales-report';
import { busyDay, quietDay } from './report-fixtures';

class MemoryReportStore implements ReportStore {
  readonly reports = new Map<string, { report: PublishedReport; files: ReportFiles }>();

  publish(report: Parameters<ReportStore['publish']>[0], files: ReportFiles): Promise<PublishedReport> {
    const published = { ...report, files: { csv: `${report.buildId}.csv`, html: `${report.buildId}.html` } };
    this.reports.set(report.date, { report: published, files });
    return Promise.resolve(published);
  }
  list() {
    return Promise.resolve(
      [...this.reports.values()].map(({ report }) => ({ date: report.date, builtAt: report.builtAt })).reverse(),
    );
  }
  get(date: string) {
    return Promise.resolve(this.reports.get(date)?.report);
  }
  presignDownload(key: string, expiresInSeconds: number) {
    return Promise.resolve(`https://signed.example/${key}?expires=${expiresInSeconds}`);
  }
}

const figures = (sales: DaySales): SalesFigures & { asked: { start: Date; end: Date }[] } => {
  const asked: { start: Date; end: Date }[] = [];
  return {
    asked,
    daySales: (start, end) => {
      asked.push({ start, end });
      return Promise.resolve(sales);
    },
  };
};

const now = new Date('2026-12-03T02:00:07Z');

describe('reportDateFor', () => {
  it("reports the UTC day before the schedule's time: the 02:00 run reports yesterday", () => {
    expect(reportDateFor(new Date('2026-12-03T02:00:00Z'))).toBe('2026-12-02');
    expect(reportDateFor(new Date('2026-03-01T00:00:00Z'))).toBe('2026-02-28');
    expect(reportDateFor(new Date('2027-01-01T23:59:59Z'))).toBe('2026-12-31');
  });
});

describe('summarize', () => {
  const report = summarize('2026-12-02', busyDay, now, 'build-1');

  it('totals orders, and revenue per currency', () => {
    expect(report.orders).toBe(4);
    expect(report.currencies).toEqual([
      { currency: 'EUR', orders: 3, revenueCents: 9_200 },
      { currency: 'USD', orders: 1, revenueCents: 1_500 },
    ]);
  });

  it('sums revenue and units per category within each currency, highest revenue first', () => {
    expect(report.categories).toEqual([
      { category: 'tableware', currency: 'EUR', units: 6, revenueCents: 5_000 },
      { category: 'kitchen', currency: 'EUR', units: 1, revenueCents: 4_200 },
      { category: 'tableware', currency: 'USD', units: 3, revenueCents: 1_500 },
    ]);
  });

  it('ranks the top products by units, then revenue', () => {
    expect(report.topProducts.map((p) => `${p.sku}/${p.currency}:${p.units}`)).toEqual([
      'MUG-1/EUR:4',
      'MUG-1/USD:3',
      'BOWL-1/EUR:2',
      'KETTLE-1/EUR:1',
    ]);
  });

  it('keeps the stock-outs and their count', () => {
    expect(report.stockOuts).toEqual(busyDay.stockOuts);
  });
});

describe('buildSalesReport', () => {
  it('reads the figures of the whole UTC day and publishes the CSV, the summary and the figures', async () => {
    const store = new MemoryReportStore();
    const source = figures(busyDay);

    const published = await buildSalesReport({ figures: source, store }, '2026-12-02', now, 'build-1');

    expect(source.asked).toEqual([{ start: new Date('2026-12-02T00:00:00Z'), end: new Date('2026-12-03T00:00:00Z') }]);
    expect(published).toMatchObject({ date: '2026-12-02', buildId: 'build-1', orders: 4, builtAt: now.toISOString() });
    const { files } = store.reports.get('2026-12-02')!;
    expect(files.csv.split('\r\n')[0]).toBe('date,sku,name,category,currency,orders,units,revenue_cents');
    expect(files.html).toContain('Shelf sales report for 2026-12-02');
  });

  it('publishes an empty but valid report for a day with no orders', async () => {
    const store = new MemoryReportStore();

    const published = await buildSalesReport({ figures: figures(quietDay), store }, '2026-12-02', now, 'build-1');

    expect(published).toMatchObject({ orders: 0, currencies: [], categories: [], topProducts: [] });
    const { files } = store.reports.get('2026-12-02')!;
    expect(files.csv).toBe('date,sku,name,category,currency,orders,units,revenue_cents\r\n');
    expect(files.html).toContain('No orders this day.');
  });

  it('replaces the report of a day built again, as a whole', async () => {
    const store = new MemoryReportStore();
    await buildSalesReport({ figures: figures(busyDay), store }, '2026-12-02', now, 'build-1');

    await buildSalesReport({ figures: figures(quietDay), store }, '2026-12-02', now, 'build-2');

    expect(store.reports.size).toBe(1);
    expect(store.reports.get('2026-12-02')!.report).toMatchObject({ buildId: 'build-2', orders: 0 });
  });

  it('builds today so far, but refuses a day still to come, naming detail.date', async () => {
    const store = new MemoryReportStore();
    await expect(buildSalesReport({ figures: figures(quietDay), store }, '2026-12-03', now)).resolves.toBeDefined();

    const refused = buildSalesReport({ figures: figures(quietDay), store }, '2026-12-04', now);

    await expect(refused).rejects.toBeInstanceOf(InvalidInputError);
    await expect(refused).rejects.toMatchObject({ details: [{ field: 'detail.date' }] });
  });
});

describe('getReport and listReports', () => {
  it("answers a day's figures with download links that expire", async () => {
    const store = new MemoryReportStore();
    await buildSalesReport({ figures: figures(busyDay), store }, '2026-12-02', now, 'build-1');

    const report = await getReport(store, '2026-12-02', now);

    expect(report).not.toHaveProperty('files');
    expect(report.downloads).toEqual({
      csv: `https://signed.example/build-1.csv?expires=${downloadUrlSeconds}`,
      html: `https://signed.example/build-1.html?expires=${downloadUrlSeconds}`,
      expiresAt: new Date(now.getTime() + downloadUrlSeconds * 1000).toISOString(),
    });
    await expect(listReports(store)).resolves.toEqual({ items: [{ date: '2026-12-02', builtAt: now.toISOString() }] });
  });

  it('is NotFound for a day with no report', async () => {
    await expect(getReport(new MemoryReportStore(), '2026-12-01')).rejects.toBeInstanceOf(NotFoundError);
  });
});
