/**
 * An import job: one uploaded catalog file on its way into the catalog. Every job ends:
 * - PENDING until the file processor has read the file, LOADING while the ETL worker loads its
 *   chunks;
 * - COMPLETED when every row is loaded, rejected (the file's rules) or refused (at loading);
 * - PARTIALLY_LOADED when the only rows left are in chunks the worker gave up on after the
 *   queue's maxReceiveCount tries: they wait in the dead-letter queue, `failureReason` says how
 *   many and how to redrive, and a redrive carries the same job on to COMPLETED;
 * - FAILED when the file as a whole cannot be imported (nothing of it is loaded then).
 */
export const importStatuses = ['PENDING', 'LOADING', 'PARTIALLY_LOADED', 'COMPLETED', 'FAILED'] as const;
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
  /** Rows the worker refused to load (a product rule, or the database), each counted once. */
  rowsRefused?: number;
  /** The first refused rows and why (at most maxRefusalsShown; rowsRefused counts them all). */
  refusals?: RowRefusal[];
  /** Rows in chunks that went to the dead-letter queue and have not been loaded since. */
  rowsDeadLettered?: number;
  /** Those chunks' numbers. */
  deadLetteredChunks?: number[];
  chunksSent?: number;
  /** Where the rejects report is, when there is one. */
  rejectsKey?: string;
  failureReason?: string;
}

export interface RowRefusal {
  row: number;
  sku: string;
  reason: string;
}

export const maxRefusalsShown = 20;

/** The states a job's counts can end it in. */
export type SettledStatus = 'COMPLETED' | 'PARTIALLY_LOADED';

/**
 * Where the job's counts put it: COMPLETED when every row is loaded, rejected or refused;
 * PARTIALLY_LOADED when the rest are all in dead-lettered chunks; undefined while rows are on
 * their way (or the file has not been read yet).
 */
export function settledStatus(job: ImportJob): SettledStatus | undefined {
  if ((job.status !== 'LOADING' && job.status !== 'PARTIALLY_LOADED') || job.rowsRead === undefined) return undefined;
  const accounted = (job.rowsLoaded ?? 0) + (job.rowsRejected ?? 0) + (job.rowsRefused ?? 0);
  if (accounted === job.rowsRead) return 'COMPLETED';
  const deadLettered = job.rowsDeadLettered ?? 0;
  if (deadLettered > 0 && accounted + deadLettered === job.rowsRead) return 'PARTIALLY_LOADED';
  return undefined;
}

/** What a PARTIALLY_LOADED job tells the admin. */
export function deadLetterReason(job: ImportJob): string {
  const chunks = job.deadLetteredChunks?.length ?? 0;
  const rows = job.rowsDeadLettered ?? 0;
  return (
    `${rows} row${rows === 1 ? '' : 's'} in ${chunks} chunk${chunks === 1 ? '' : 's'} could not be loaded ` +
    'after every retry and wait in the import dead-letter queue. Fix the cause (the ETL worker log names ' +
    'it), then run `npm run redrive` (deployed: `npm run redrive -- --stage <stage>`): the job carries on ' +
    'from where it stopped.'
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
  /**
   * Raises rowsLoaded and rowsRefused to these totals (never lowers them: chunks finish in any
   * order), adds `refusals` to the ones shown while fewer than maxRefusalsShown are, and takes
   * `chunk` off the dead-lettered ones if it was there (a redriven chunk that loaded). Returns
   * the job as it now is.
   */
  recordLoadProgress(
    importId: string,
    progress: { rowsLoaded: number; rowsRefused: number; refusals: RowRefusal[]; chunk: number; chunkRows: number },
  ): Promise<ImportJob | undefined>;
  /** Counts a chunk the worker gave up on (once, however often it is reported). */
  recordChunkDeadLettered(importId: string, chunk: number, rows: number): Promise<ImportJob | undefined>;
  /**
   * LOADING or PARTIALLY_LOADED → `status`, if the job still has exactly these counts (so that of
   * two racing updates, the one that saw every count settles it); `reason` becomes its
   * failureReason (none for COMPLETED).
   */
  settle(job: ImportJob, status: SettledStatus, reason?: string): Promise<void>;
  fail(importId: string, reason: string): Promise<void>;
}

/** A job as GET /imports/{importId} shows it: no S3 keys, a short-lived link to the rejects instead. */
export interface ImportReport extends Omit<ImportJob, 'rejectsKey' | 'fileETag' | 'uploadKey'> {
  rejectsUrl?: string;
}
