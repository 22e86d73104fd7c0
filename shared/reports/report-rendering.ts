/** The report's two files, rendered from its figures: pure functions, the same input gives the same bytes. */
import { stringify } from 'csv-stringify/sync';
import type { ProductSales, SalesReport } from './sales-report';
import { spreadsheetSafe } from '../spreadsheet-cells';

export const csvHeader = ['date', 'sku', 'name', 'category', 'currency', 'orders', 'units', 'revenue_cents'];

/**
 * Every product sold that day, one row per product and currency, by SKU. Money stays in integer
 * minor units as everywhere in Shelf. A day with no orders is the header alone: still a valid CSV.
 * Every cell is spreadsheet-safe: names and categories are admins' and imports' text.
 */
export function salesCsv(date: string, products: readonly ProductSales[]): string {
  const rows = [...products]
    .sort((a, b) => a.sku.localeCompare(b.sku) || a.currency.localeCompare(b.currency))
    .map((p) => [date, p.sku, p.name, p.category, p.currency, p.orders, p.units, p.revenueCents].map(spreadsheetSafe));
  return stringify([csvHeader, ...rows], { record_delimiter: 'windows' });
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Product names and categories are the shop's data, written by admins and imports: always escaped. */
const escape = (text: string | number) => String(text).replace(/[&<>"']/g, (c) => entities[c]!);

export const formatMoney = (cents: number, currency: string) =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100);

function table(caption: string, head: string[], rows: (string | number)[][], empty: string): string {
  if (rows.length === 0) return `<h2>${escape(caption)}</h2>\n<p>${escape(empty)}</p>`;
  const cells = (tag: string, row: (string | number)[]) => row.map((c) => `<${tag}>${escape(c)}</${tag}>`).join('');
  return [
    `<h2>${escape(caption)}</h2>`,
    '<table>',
    `<thead><tr>${cells('th', head)}</tr></thead>`,
    `<tbody>${rows.map((row) => `<tr>${cells('td', row)}</tr>`).join('')}</tbody>`,
    '</table>',
  ].join('\n');
}

/** A page that stands on its own (opened from a download, mailed): no script, no outside resource. */
export function summaryHtml(report: SalesReport): string {
  const title = `Shelf sales report for ${report.date}`;
  const more = report.stockOuts.count - report.stockOuts.items.length;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin-bottom:1rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}td:nth-child(n+3){text-align:right}</style>
</head>
<body>
<h1>${escape(title)}</h1>
<p>${escape(report.orders)} orders placed between ${escape(report.date)} 00:00 and 24:00 UTC. Built ${escape(report.builtAt)}.</p>
${table(
  'Revenue per currency',
  ['Currency', 'Orders', 'Revenue'],
  report.currencies.map((c) => [c.currency, c.orders, formatMoney(c.revenueCents, c.currency)]),
  'No orders this day.',
)}
${table(
  'Revenue per category',
  ['Category', 'Currency', 'Units', 'Revenue'],
  report.categories.map((c) => [c.category, c.currency, c.units, formatMoney(c.revenueCents, c.currency)]),
  'No sales this day.',
)}
${table(
  'Top products',
  ['SKU', 'Name', 'Units', 'Revenue'],
  report.topProducts.map((p) => [p.sku, p.name, p.units, formatMoney(p.revenueCents, p.currency)]),
  'No sales this day.',
)}
${table(
  `Out of stock when the report was built (${report.stockOuts.count})`,
  ['SKU', 'Name', 'Category'],
  report.stockOuts.items.map((s) => [s.sku, s.name, s.category]),
  'Every product is in stock.',
)}
${more > 0 ? `<p>…and ${escape(more)} more.</p>\n` : ''}</body>
</html>
`;
}
