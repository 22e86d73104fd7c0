// Hand-written in-memory fakes of the import pipeline's ports, with the semantics of the real
// adapters (conditional job updates as in DynamoDB, duplicate chunks as in PostgreSQL).
import { Readable } from 'node:stream';
import { FakeCatalogOutbox } from '../catalog/projection-fakes';
import type { RejectedRow } from '../../../shared/imports/catalog-file';
import type { ImportChunk } from '../../../shared/imports/import-chunk';
import {
  maxRefusalsShown,
  type ClaimResult,
  type FileCounts,
  type ImportJob,
  type ImportJobStore,
  type RowRefusal,
  type SettledStatus,
} from '../../../shared/imports/import-job';
import type {
  CatalogLoader,
  ChunkLoadResult,
  ChunkQueue,
  ChunkSender,
  RejectsReport,
  UploadStore,
} from '../../../shared/imports/import-ports';
import type { PresignedUpload } from '../../../shared/imports/import-requests';

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

  recordLoadProgress(
    importId: string,
    progress: { rowsLoaded: number; rowsRefused: number; refusals: RowRefusal[]; chunk: number; chunkRows: number },
  ): Promise<ImportJob | undefined> {
    this.calls.push(`recordLoadProgress ${importId} ${progress.rowsLoaded}+${progress.rowsRefused}`);
    const job = this.jobs.get(importId);
    if (!job) return Promise.resolve(undefined);
    if (
      job.rowsLoaded === undefined ||
      job.rowsLoaded < progress.rowsLoaded ||
      (job.rowsRefused ?? 0) < progress.rowsRefused
    ) {
      job.rowsLoaded = progress.rowsLoaded;
      job.rowsRefused = progress.rowsRefused;
      if (progress.refusals.length && (job.refusals?.length ?? 0) < maxRefusalsShown) {
        job.refusals = [...(job.refusals ?? []), ...progress.refusals.slice(0, maxRefusalsShown)];
      }
    }
    if (job.deadLetteredChunks?.includes(progress.chunk)) {
      job.deadLetteredChunks = job.deadLetteredChunks.filter((c) => c !== progress.chunk);
      job.rowsDeadLettered = (job.rowsDeadLettered ?? 0) - progress.chunkRows;
      if (job.deadLetteredChunks.length === 0) delete job.deadLetteredChunks;
    }
    return Promise.resolve(structuredClone(job));
  }

  recordChunkDeadLettered(importId: string, chunk: number, rows: number): Promise<ImportJob | undefined> {
    this.calls.push(`recordChunkDeadLettered ${importId} ${chunk}`);
    const job = this.jobs.get(importId);
    if (!job) return Promise.resolve(undefined);
    if (!job.deadLetteredChunks?.includes(chunk)) {
      job.deadLetteredChunks = [...(job.deadLetteredChunks ?? []), chunk].sort((a, b) => a - b);
      job.rowsDeadLettered = (job.rowsDeadLettered ?? 0) + rows;
    }
    return Promise.resolve(structuredClone(job));
  }

  settle(job: ImportJob, status: SettledStatus, reason?: string): Promise<void> {
    this.calls.push(`settle ${job.importId} ${status}`);
    const stored = this.jobs.get(job.importId);
    const same = (['rowsRead', 'rowsLoaded', 'rowsRefused', 'rowsDeadLettered'] as const).every(
      (name) => stored?.[name] === job[name],
    );
    if (stored && (stored.status === 'LOADING' || stored.status === 'PARTIALLY_LOADED') && same) {
      stored.status = status;
      if (reason) stored.failureReason = reason;
      else delete stored.failureReason;
    }
    return Promise.resolve();
  }

  fail(importId: string, reason: string): Promise<void> {
    this.calls.push(`fail ${importId}`);
    const stored = this.jobs.get(importId);
    if (stored && ['PENDING', 'LOADING', 'PARTIALLY_LOADED'].includes(stored.status)) {
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
  readonly presigned: {
    method: 'POST' | 'GET';
    key: string;
    contentType?: string;
    maxBytes?: number;
    expiresInSeconds: number;
  }[] = [];
  openFailure?: Error;

  put(bucket: string, key: string, content: string | Buffer): void {
    this.files.set(`${bucket}/${key}`, typeof content === 'string' ? Buffer.from(content) : content);
  }

  presignUpload(
    key: string,
    contentType: string,
    maxBytes: number,
    expiresInSeconds: number,
  ): Promise<PresignedUpload> {
    this.presigned.push({ method: 'POST', key, contentType, maxBytes, expiresInSeconds });
    return Promise.resolve({ url: 'https://uploads.example/', fields: { key, 'Content-Type': contentType } });
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

/**
 * PostgreSQL as the loader sees it: chunks recorded once, their loaded and refused rows summed,
 * and every product it writes queued in the catalog outbox (the trigger's job).
 */
export class FakeLoader implements CatalogLoader {
  readonly loaded = new Map<string, { loaded: number; refusals: RowRefusal[] }>();
  readonly calls: { chunk: ImportChunk; refused: RowRefusal[] }[] = [];
  failure?: Error;
  /** SKUs the database refuses, with its reason (what validation could not foresee). */
  readonly databaseRefuses = new Map<string, string>();

  constructor(readonly outbox: FakeCatalogOutbox = new FakeCatalogOutbox()) {}

  load(chunk: ImportChunk, refused: RowRefusal[]): Promise<ChunkLoadResult> {
    this.calls.push({ chunk, refused });
    if (this.failure) return Promise.reject(this.failure);
    const key = `${chunk.importId}#${chunk.chunk}`;
    const duplicate = this.loaded.has(key);
    if (!duplicate) {
      const byDatabase = chunk.rows
        .filter((row) => this.databaseRefuses.has(row.sku))
        .map((row) => ({ row: row.row, sku: row.sku, reason: this.databaseRefuses.get(row.sku)! }));
      const refusals = [...refused, ...byDatabase].sort((a, b) => a.row - b.row);
      this.loaded.set(key, { loaded: chunk.rows.length - byDatabase.length, refusals });
      for (const { row: _row, ...input } of chunk.rows) {
        if (this.databaseRefuses.has(input.sku)) continue;
        const version = (this.outbox.entries.get(input.sku)?.version ?? 0) + 1;
        this.outbox.write({ ...input, version, updatedAt: fixedNow.toISOString() });
      }
    }
    const mine = [...this.loaded.entries()].filter(([k]) => k.startsWith(`${chunk.importId}#`)).map(([, v]) => v);
    return Promise.resolve({
      rowsLoaded: mine.reduce((sum, v) => sum + v.loaded, 0),
      rowsRefused: mine.reduce((sum, v) => sum + v.refusals.length, 0),
      refusals: this.loaded.get(key)!.refusals,
      duplicate,
    });
  }
}
