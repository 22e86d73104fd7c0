/**
 * An import job: one uploaded catalog file on its way into the catalog. PENDING until the file
 * processor has read the file, LOADING while the ETL worker loads its chunks, COMPLETED when
 * every row is either loaded or rejected, FAILED when the file as a whole cannot be imported.
 */
export const importStatuses = ['PENDING', 'LOADING', 'COMPLETED', 'FAILED'] as const;
export type ImportStatus = (typeof importStatuses)[number];

export interface ImportJob {
  importId: string;
  status: ImportStatus;
  fileName: string;
  /** The S3 key the file is uploaded to: uploads/{importId}/{fileName}. */
  uploadKey: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Set when the file processor starts on an uploaded file (its ETag). */
  fileETag?: string;
  rowsRead?: number;
  rowsRejected?: number;
  rowsLoaded?: number;
  chunksSent?: number;
  /** Where the rejects report is, when there is one. */
  rejectsKey?: string;
  failureReason?: string;
}

/** Every row is accounted for: loaded or rejected. */
export function isFullyLoaded(job: ImportJob): boolean {
  return (
    job.status === 'LOADING' &&
    job.rowsRead !== undefined &&
    (job.rowsLoaded ?? 0) + (job.rowsRejected ?? 0) === job.rowsRead
  );
}

export type ClaimResult =
  | { claimed: true }
  | { claimed: false; reason: 'unknown-import' | 'already-processed' | 'another-file' | 'different-key' };

export interface FileCounts {
  rowsRead: number;
  rowsRejected: number;
  chunksSent: number;
  rejectsKey?: string;
}

/** Where jobs are kept (DynamoDB: shared/adapters/dynamodb/import-job-store.ts). */
export interface ImportJobStore {
  create(job: ImportJob): Promise<void>;
  get(importId: string): Promise<ImportJob | undefined>;
  /**
   * The file processor takes the job for one uploaded object. Taking it again for the same object
   * (S3 delivers events at least once; Lambda retries) succeeds until the file has been read.
   */
  claimFile(importId: string, uploadKey: string, eTag: string): Promise<ClaimResult>;
  /** PENDING → LOADING with the file's counts; returns the job as it now is. */
  recordFileRead(importId: string, eTag: string, counts: FileCounts): Promise<ImportJob>;
  /** Raises rowsLoaded to `rowsLoaded` (never lowers it); returns the job as it now is. */
  recordRowsLoaded(importId: string, rowsLoaded: number): Promise<ImportJob | undefined>;
  /** LOADING → COMPLETED, if the job still has exactly these counts. */
  complete(job: ImportJob): Promise<void>;
  fail(importId: string, reason: string): Promise<void>;
}

/** A job as GET /imports/{importId} shows it: no S3 keys, a short-lived link to the rejects instead. */
export interface ImportReport extends Omit<ImportJob, 'rejectsKey' | 'fileETag' | 'uploadKey'> {
  rejectsUrl?: string;
}
