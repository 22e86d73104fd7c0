/**
 * The nightly sales report: one UTC day's orders, revenue per currency and per category, the top
 * products and the products out of stock, as a CSV (every product sold) and a small HTML summary,
 * published with a manifest that is written last (report-ports.ts, ReportStore.publish). Plain
 * TypeScript over two ports: no database, no S3, no Lambda event here.
 */
import { randomUUID } from 'node:crypto';
import { InvalidInputError, NotFoundError } from '../errors';
import type { ReportStore, SalesFigures } from './report-ports';
import { salesCsv, summaryHtml } from './report-rendering';

/** How many products the summary ranks, and how many stock-outs it names (the count is whole). */
export const topProductCount = 10;
export const stockOutsListed = 100;
/** How long a download link from GET /reports/{date} works. */
export const downloadUrlSeconds = 5 * 60;

export interface CurrencySales {
  currency: string;
  orders: number;
  revenueCents: number;
}

/** One product sold in one currency that day (a product's orders are in its price's currency). */
export interface ProductSales {
  sku: string;
  name: string;
  category: string;
  currency: string;
  orders: number;
  units: number;
  revenueCents: number;
}

export interface CategorySales {
  category: string;
  currency: string;
  units: number;
  revenueCents: number;
}

export interface StockOut {
  sku: string;
  name: string;
  category: string;
}

/** What the database says about a day (SalesFigures). */
export interface DaySales {
  currencies: CurrencySales[];
  products: ProductSales[];
  /** Products in the catalog with no stock when the report is built: how many, and the first by SKU. */
  stockOuts: { count: number; items: StockOut[] };
}

/** The report's figures: what the manifest holds and GET /reports/{date} answers. */
export interface SalesReport {
  /** The UTC day reported, YYYY-MM-DD. */
  date: string;
  builtAt: string;
  /** Each build's files have keys of their own: a rerun never mixes its files with an earlier one's. */
  buildId: string;
  orders: number;
  currencies: CurrencySales[];
  categories: CategorySales[];
  topProducts: ProductSales[];
  stockOuts: { count: number; items: StockOut[] };
}

export interface PublishedReport extends SalesReport {
  files: { csv: string; html: string };
}

export interface ReportEntry {
  date: string;
  builtAt: string;
}

export interface ReportWithDownloads extends SalesReport {
  downloads: { csv: string; html: string; expiresAt: string };
}

const dayMs = 24 * 60 * 60 * 1000;
const isoDay = (time: Date) => time.toISOString().slice(0, 10);

/** The day a schedule's run reports: the UTC day before the event's time (02:00 → yesterday). */
export function reportDateFor(time: Date): string {
  return isoDay(new Date(time.getTime() - dayMs));
}

function dayBounds(date: string): { start: Date; end: Date } {
  const start = new Date(`${date}T00:00:00.000Z`);
  return { start, end: new Date(start.getTime() + dayMs) };
}

const byRevenue = (a: { revenueCents: number }, b: { revenueCents: number }) => b.revenueCents - a.revenueCents;

export function summarize(date: string, sales: DaySales, builtAt: Date, buildId: string): SalesReport {
  const categories = new Map<string, CategorySales>();
  for (const { category, currency, units, revenueCents } of sales.products) {
    const key = JSON.stringify([category, currency]);
    const entry = categories.get(key) ?? { category, currency, units: 0, revenueCents: 0 };
    entry.units += units;
    entry.revenueCents += revenueCents;
    categories.set(key, entry);
  }
  return {
    date,
    builtAt: builtAt.toISOString(),
    buildId,
    orders: sales.currencies.reduce((sum, c) => sum + c.orders, 0),
    currencies: [...sales.currencies].sort((a, b) => a.currency.localeCompare(b.currency)),
    categories: [...categories.values()].sort(
      (a, b) => a.currency.localeCompare(b.currency) || byRevenue(a, b) || a.category.localeCompare(b.category),
    ),
    // Units rank products across currencies; revenue breaks ties within one.
    topProducts: [...sales.products]
      .sort((a, b) => b.units - a.units || byRevenue(a, b) || a.sku.localeCompare(b.sku))
      .slice(0, topProductCount),
    stockOuts: { count: sales.stockOuts.count, items: sales.stockOuts.items.slice(0, stockOutsListed) },
  };
}

export interface BuildDeps {
  figures: SalesFigures;
  store: ReportStore;
}

/**
 * Builds and publishes the report of `date`. Building a day again (a rerun, a backfill) replaces
 * its report as a whole: the new files are written under a new build id, then the manifest.
 */
export async function buildSalesReport(
  deps: BuildDeps,
  date: string,
  now: Date = new Date(),
  buildId: string = randomUUID(),
): Promise<PublishedReport> {
  if (date > isoDay(now)) {
    throw new InvalidInputError('A report cannot be built for a day still to come', [
      { field: 'detail.date', message: `must not be after ${isoDay(now)}` },
    ]);
  }
  const { start, end } = dayBounds(date);
  const sales = await deps.figures.daySales(start, end);
  const report = summarize(date, sales, now, buildId);
  return deps.store.publish(report, { csv: salesCsv(date, sales.products), html: summaryHtml(report) });
}

export async function listReports(store: ReportStore): Promise<{ items: ReportEntry[] }> {
  return { items: await store.list() };
}

/** A day's report with short-lived links to its CSV and HTML summary. */
export async function getReport(
  store: ReportStore,
  date: string,
  now: Date = new Date(),
): Promise<ReportWithDownloads> {
  const published = await store.get(date);
  if (!published) throw new NotFoundError(`There is no sales report for ${date}`);
  const { files, ...report } = published;
  const [csv, html] = await Promise.all([
    store.presignDownload(files.csv, downloadUrlSeconds),
    store.presignDownload(files.html, downloadUrlSeconds),
  ]);
  return {
    ...report,
    downloads: { csv, html, expiresAt: new Date(now.getTime() + downloadUrlSeconds * 1000).toISOString() },
  };
}
