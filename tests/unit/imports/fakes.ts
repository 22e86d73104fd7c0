// Hand-written in-memory fakes of the import pipeline's ports, with the semantics of the real
// adapters (conditional job updates as in DynamoDB, duplicate chunks as in PostgreSQL).
import { Readable } from 'node:stream';
import type { CatalogPage, CatalogReadModel, StockLevel } from '../../../shared/catalog/catalog-ports';
import type { Product } from '../../../shared/catalog/product';
import type { RejectedRow } from '../../../shared/imports/catalog-file';
import type { ImportChunk } from '../../../shared/imports/import-chunk';
import type { ClaimResult, FileCounts, ImportJob, ImportJobStore } from '../../../shared/imports/import-job';
import type {
  CatalogLoader,
  ChunkLoadResult,
  ChunkQueue,
  ChunkSender,
  RejectsReport,
  UploadStore,
} from '../../../shared/imports/import-ports';

export const fixedNow = new Date('2026-11-28T10:00:00.000Z');

export class FakeJobStore implements ImportJobStore {
  readonly jobs = new Map<string, ImportJob>();
  /** Every call, in order, e.g. "claimFile id", "complete id". */
  readonly calls: string[] = [];

  create(job: ImportJob): Promise<void> {
    this.calls.push(`create ${job.importId}`);
    if (this.jobs.has(job.importId)) return Promise.reject(new Error('exists'));
    this.jobs.set(job.importId, structuredClone(job));
    return Promise.resolve();
  }

  get(importId: string): Promise<ImportJob | undefined> {
    const job = this.jobs.get(importId);
    return Promise.resolve(job && structuredClone(job));
  }

  claimFile(importId: string, uploadKey: string, eTag: string): Promise<ClaimResult> {
    this.calls.push(`claimFile ${importId}`);
    const job = this.jobs.get(importId);
    if (!job) return Promise.resolve({ claimed: false, reason: 'unknown-import' });
    if (job.uploadKey !== uploadKey) return Promise.resolve({ claimed: false, reason: 'different-key' });
    if (job.status !== 'PENDING') return Promise.resolve({ claimed: false, reason: 'already-processed' });
    if (job.fileETag !== undefined && job.fileETag !== eTag) {
      return Promise.resolve({ claimed: false, reason: 'another-file' });
    }
    job.fileETag = eTag;
    return Promise.resolve({ claimed: true });
  }

  recordFileRead(importId: string, eTag: string, counts: FileCounts): Promise<ImportJob> {
    this.calls.push(`recordFileRead ${importId}`);
    const job = this.jobs.get(importId);
    if (!job || job.status !== 'PENDING' || job.fileETag !== eTag) {
      return Promise.reject(new Error('ConditionalCheckFailed: recordFileRead'));
    }
    Object.assign(job, {
      status: 'LOADING',
      rowsRead: counts.rowsRead,
      rowsRejected: counts.rowsRejected,
      chunksSent: counts.chunksSent,
    });
    if (counts.rejectsKey) job.rejectsKey = counts.rejectsKey;
    return Promise.resolve(structuredClone(job));
  }

  recordRowsLoaded(importId: string, rowsLoaded: number): Promise<ImportJob | undefined> {
    this.calls.push(`recordRowsLoaded ${importId} ${rowsLoaded}`);
    const job = this.jobs.get(importId);
    if (!job) return Promise.resolve(undefined);
    if (job.rowsLoaded === undefined || job.rowsLoaded < rowsLoaded) job.rowsLoaded = rowsLoaded;
    return Promise.resolve(structuredClone(job));
  }

  complete(job: ImportJob): Promise<void> {
    this.calls.push(`complete ${job.importId}`);
    const stored = this.jobs.get(job.importId);
    if (
      stored &&
      stored.status === 'LOADING' &&
      stored.rowsRead === job.rowsRead &&
      stored.rowsLoaded === job.rowsLoaded
    ) {
      stored.status = 'COMPLETED';
    }
    return Promise.resolve();
  }

  fail(importId: string, reason: string): Promise<void> {
    this.calls.push(`fail ${importId}`);
    const stored = this.jobs.get(importId);
    if (stored && (stored.status === 'PENDING' || stored.status === 'LOADING')) {
      stored.status = 'FAILED';
      stored.failureReason = reason;
    }
    return Promise.resolve();
  }
}

export class FakeRejectsReport implements RejectsReport {
  header?: string[];
  readonly rows: RejectedRow[] = [];
  state: 'open' | 'finished' | 'aborted' = 'open';

  constructor(
    readonly bucket: string,
    readonly key: string,
  ) {}

  begin(header: string[]): void {
    this.header = header;
  }

  add(rejected: RejectedRow): Promise<void> {
    this.rows.push(rejected);
    return Promise.resolve();
  }

  finish(): Promise<boolean> {
    this.state = 'finished';
    return Promise.resolve(this.rows.length > 0);
  }

  abort(): Promise<void> {
    this.state = 'aborted';
    return Promise.resolve();
  }
}

export class FakeUploadStore implements UploadStore {
  /** Uploaded files by "bucket/key". */
  readonly files = new Map<string, Buffer>();
  readonly reports: FakeRejectsReport[] = [];
  readonly presigned: { method: 'PUT' | 'GET'; key: string; contentType?: string; expiresInSeconds: number }[] = [];
  openFailure?: Error;

  put(bucket: string, key: string, content: string | Buffer): void {
    this.files.set(`${bucket}/${key}`, typeof content === 'string' ? Buffer.from(content) : content);
  }

  presignUpload(key: string, contentType: string, expiresInSeconds: number): Promise<string> {
    this.presigned.push({ method: 'PUT', key, contentType, expiresInSeconds });
    return Promise.resolve(`https://uploads.example/${key}?put&expires=${expiresInSeconds}`);
  }

  presignDownload(key: string, expiresInSeconds: number): Promise<string> {
    this.presigned.push({ method: 'GET', key, expiresInSeconds });
    return Promise.resolve(`https://uploads.example/${key}?get&expires=${expiresInSeconds}`);
  }

  open(bucket: string, key: string): Promise<NodeJS.ReadableStream> {
    if (this.openFailure) return Promise.reject(this.openFailure);
    const content = this.files.get(`${bucket}/${key}`);
    if (!content) return Promise.reject(new Error(`NoSuchKey ${bucket}/${key}`));
    // In pieces, as S3 delivers a body.
    const pieces: Buffer[] = [];
    for (let i = 0; i < content.length; i += 1024) pieces.push(content.subarray(i, i + 1024));
    return Promise.resolve(Readable.from(pieces));
  }

  rejectsReport(bucket: string, key: string): RejectsReport {
    const report = new FakeRejectsReport(bucket, key);
    this.reports.push(report);
    return report;
  }

  /** The report of the latest run. */
  get lastReport(): FakeRejectsReport | undefined {
    return this.reports.at(-1);
  }
}

export class FakeChunkQueue implements ChunkQueue {
  /** Chunks accepted by the queue (after flush), by sender. */
  readonly sent: ImportChunk[] = [];
  readonly senders: FakeChunkSender[] = [];
  /** Fails the send of this chunk number (a transient SQS error). */
  failOnChunk?: { chunk: number; error: Error };
  flushFailure?: Error;

  sender(): ChunkSender {
    const sender = new FakeChunkSender(this);
    this.senders.push(sender);
    return sender;
  }
}

export class FakeChunkSender implements ChunkSender {
  readonly pending: ImportChunk[] = [];
  flushed = false;

  constructor(private readonly queue: FakeChunkQueue) {}

  send(chunk: ImportChunk): Promise<void> {
    if (this.queue.failOnChunk?.chunk === chunk.chunk) return Promise.reject(this.queue.failOnChunk.error);
    this.pending.push(structuredClone(chunk));
    return Promise.resolve();
  }

  flush(): Promise<void> {
    if (this.queue.flushFailure) return Promise.reject(this.queue.flushFailure);
    this.queue.sent.push(...this.pending.splice(0));
    this.flushed = true;
    return Promise.resolve();
  }
}

/** PostgreSQL as the loader sees it: chunks recorded once, rowsLoaded their sum. */
export class FakeLoader implements CatalogLoader {
  readonly loaded = new Map<string, number>();
  readonly calls: ImportChunk[] = [];
  failure?: Error;

  load(chunk: ImportChunk): Promise<ChunkLoadResult> {
    this.calls.push(chunk);
    if (this.failure) return Promise.reject(this.failure);
    const key = `${chunk.importId}#${chunk.chunk}`;
    const duplicate = this.loaded.has(key);
    if (!duplicate) this.loaded.set(key, chunk.rows.length);
    const rowsLoaded = [...this.loaded.entries()]
      .filter(([k]) => k.startsWith(`${chunk.importId}#`))
      .reduce((sum, [, count]) => sum + count, 0);
    const products: Product[] = chunk.rows.map(({ row: _row, ...input }) => ({
      ...input,
      version: 1,
      updatedAt: fixedNow.toISOString(),
    }));
    return Promise.resolve({ products, rowsLoaded, duplicate });
  }
}

export class FakeCatalog implements CatalogReadModel {
  readonly puts: Product[] = [];

  get(): Promise<Product | undefined> {
    return Promise.reject(new Error('not used by imports'));
  }

  list(): Promise<CatalogPage> {
    return Promise.reject(new Error('not used by imports'));
  }

  put(product: Product): Promise<void> {
    this.puts.push(product);
    return Promise.resolve();
  }

  remove(): Promise<void> {
    return Promise.reject(new Error('not used by imports'));
  }

  putStock(_levels: StockLevel[]): Promise<void> {
    return Promise.reject(new Error('not used by imports'));
  }
}
