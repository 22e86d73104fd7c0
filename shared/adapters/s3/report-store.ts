/**
 * The reports bucket (ReportsBucket, infra/resources/reports.yml). A report is two files under a
 * key of their build, `reports/<date>/<buildId>/`, and a manifest, `manifests/<date>.json`, written
 * after them: S3 replaces an object whole, so a reader sees the old report or the new one, never a
 * manifest naming files not yet written. Listing the reports is listing the manifests.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { presignedDownload } from './presigned-download';
import { logger } from '../../observability';
import type { ReportFiles, ReportStore } from '../../reports/report-ports';
import type { PublishedReport, ReportEntry, SalesReport } from '../../reports/sales-report';

const manifestPrefix = 'manifests/';
const manifestKey = (date: string) => `${manifestPrefix}${date}.json`;
const manifestDate = /^manifests\/(\d{4}-\d{2}-\d{2})\.json$/;

export class S3ReportStore implements ReportStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async publish(report: SalesReport, files: ReportFiles): Promise<PublishedReport> {
    const folder = `reports/${report.date}/${report.buildId}`;
    const published: PublishedReport = {
      ...report,
      files: { csv: `${folder}/sales-${report.date}.csv`, html: `${folder}/summary-${report.date}.html` },
    };
    const previous = await this.get(report.date);
    await Promise.all([
      this.put(published.files.csv, files.csv, 'text/csv; charset=utf-8'),
      this.put(published.files.html, files.html, 'text/html; charset=utf-8'),
    ]);
    await this.put(manifestKey(report.date), JSON.stringify(published), 'application/json');
    // The files of the build this one replaces. A link handed out for them in the last minutes
    // stops working, as the report it pointed at has. Leftovers (a failed delete, two runs of
    // one day at once) expire with the bucket's lifecycle rule.
    if (previous && previous.buildId !== report.buildId) {
      for (const key of [previous.files.csv, previous.files.html]) {
        try {
          await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
        } catch (error) {
          logger.warn('Could not delete a replaced report file', { key, error });
        }
      }
    }
    return published;
  }

  async list(): Promise<ReportEntry[]> {
    const entries: ReportEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: manifestPrefix, ContinuationToken: token }),
      );
      for (const { Key, LastModified } of page.Contents ?? []) {
        const date = manifestDate.exec(Key ?? '')?.[1];
        if (date && LastModified) entries.push({ date, builtAt: LastModified.toISOString() });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return entries.sort((a, b) => b.date.localeCompare(a.date));
  }

  async get(date: string): Promise<PublishedReport | undefined> {
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: manifestKey(date) }));
      return JSON.parse((await Body?.transformToString('utf-8')) ?? '') as PublishedReport;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  presignDownload(key: string, expiresInSeconds: number): Promise<string> {
    return presignedDownload(this.client, this.bucket, key, expiresInSeconds);
  }

  private async put(key: string, body: string, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }
}
