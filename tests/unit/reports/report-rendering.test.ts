// The report's files: a CSV any spreadsheet reads back as it was written, and an HTML summary in
// which the shop's data is text, never markup.
import { parse } from 'csv-parse/sync';
import { csvHeader, salesCsv, summaryHtml } from '../../../shared/reports/report-rendering';
import { summarize } from '../../../shared/reports/sales-report';
import { busyDay, quietDay } from './report-fixtures';

describe('salesCsv', () => {
  it('has one row per product and currency, by SKU, that parse back to the figures', () => {
    const rows: Record<string, string>[] = parse(salesCsv('2026-12-02', busyDay.products), { columns: true });

    expect(rows.map((r) => `${r.sku}/${r.currency}`)).toEqual(['BOWL-1/EUR', 'KETTLE-1/EUR', 'MUG-1/EUR', 'MUG-1/USD']);
    expect(rows[1]).toEqual({
      date: '2026-12-02',
      sku: 'KETTLE-1',
      name: 'Kettle, "steel"',
      category: 'kitchen',
      currency: 'EUR',
      orders: '1',
      units: '1',
      revenue_cents: '4200',
    });
  });

  it('writes names and categories a spreadsheet would run as formulas as text, and figures as they are', () => {
    const product = busyDay.products[0]!;
    const csv = salesCsv('2026-12-02', [
      { ...product, sku: 'EVIL-1', name: '=HYPERLINK("http://evil.example","Click")', category: '@SUM(A1)' },
      { ...product, sku: 'EVIL-2', name: '+1+cmd|/C calc!A0', category: '-2+3' },
      { ...product, sku: 'EVIL-3', name: '\t=1+1', category: '-5' },
    ]);

    const rows: Record<string, string>[] = parse(csv, { columns: true });
    expect(rows.map((r) => [r.name, r.category])).toEqual([
      [`'=HYPERLINK("http://evil.example","Click")`, `'@SUM(A1)`],
      [`'+1+cmd|/C calc!A0`, `'-2+3`],
      [`'\t=1+1`, '-5'],
    ]);
  });

  it('is the header alone for a day with no sales', () => {
    expect(parse(salesCsv('2026-12-02', quietDay.products))).toEqual([csvHeader]);
  });
});

describe('summaryHtml', () => {
  it('escapes product names and formats money in its currency', () => {
    const html = summaryHtml(summarize('2026-12-02', busyDay, new Date('2026-12-03T02:00:00Z'), 'b'));

    expect(html).toContain('<td>Bowl &lt;b&gt;</td>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('<td>€92.00</td>');
    expect(html).toContain('<td>$15.00</td>');
    expect(html).toContain('Out of stock when the report was built (1)');
  });

  it('says so when a day had no orders', () => {
    const html = summaryHtml(summarize('2026-12-02', quietDay, new Date('2026-12-03T02:00:00Z'), 'b'));

    expect(html).toContain('<p>0 orders placed');
    expect(html).toContain('No orders this day.');
    expect(html).toContain('Every product is in stock.');
  });
});
