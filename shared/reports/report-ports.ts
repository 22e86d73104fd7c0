/** What building and serving sales reports needs from the outside: the day's figures, and a store. */
import type { DaySales, PublishedReport, ReportEntry, SalesReport } from './sales-report';

/** The figures of one UTC day [start, end), read as one consistent snapshot. */
export interface SalesFigures {
  daySales(start: Date, end: Date): Promise<DaySales>;
}

/** A report's files as rendered, and the manifest that names them. */
export interface ReportFiles {
  csv: string;
  html: string;
}

export interface ReportStore {
  /**
   * Writes the files first and the manifest last, so a reader that finds the manifest finds
   * every file it names; returns the report as stored, with the files' keys.
   */
  publish(report: SalesReport, files: ReportFiles): Promise<PublishedReport>;
  /** Every published report, newest day first. */
  list(): Promise<ReportEntry[]>;
  /** The published report of a day; undefined when there is none. */
  get(date: string): Promise<PublishedReport | undefined>;
  /** A short-lived download link for one of a report's files. */
  presignDownload(key: string, expiresInSeconds: number): Promise<string>;
}
