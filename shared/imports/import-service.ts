/**
 * The import pipeline's domain: create a job and hand out a presigned upload; read an uploaded file
 * into chunks and rejects; load a chunk; report a job. Handlers in services/imports/ call these.
 */
import { pipeline, Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { v7 as uuidv7 } from 'uuid';
import { projectAfterCommit, type ProjectionDeps } from '../catalog/catalog-projection';
import { InvalidInputError, NotFoundError } from '../errors';
import { logger } from '../observability';
import { splitCatalogFile, type CatalogFileResult } from './catalog-file';
import { ImportFileError } from './catalog-row';
import { rowRefusal, type ImportChunk } from './import-chunk';
import {
  deadLetterReason,
  settledStatus,
  type ImportJob,
  type ImportJobStore,
  type ImportReport,
  type RowRefusal,
} from './import-job';
import { describeBytes, maxCatalogFileBytes } from './import-limits';
import type { CatalogLoader, ChunkQueue, UploadStore } from './import-ports';
import { importFileTypes, type CreatedImport, type CreateImportRequest } from './import-requests';

export const uploadUrlSeconds = 15 * 60;
export const rejectsUrlSeconds = 5 * 60;

export async function createImport(
  deps: { jobs: ImportJobStore; uploads: UploadStore; now?: () => Date },
  createdBy: string,
  request: CreateImportRequest,
): Promise<CreatedImport> {
  const extension = Object.keys(importFileTypes).find((ext) => request.fileName.toLowerCase().endsWith(ext)) as
    keyof typeof importFileTypes | undefined;
  const allowed: readonly string[] = extension ? importFileTypes[extension] : [];
  if (!extension || !allowed.includes(request.contentType)) {
    throw new InvalidInputError('The content type does not match the file', [
      { field: 'body.contentType', message: `must be ${allowed.join(' or ')} for ${extension ?? 'this'} file` },
    ]);
  }
  const now = deps.now?.() ?? new Date();
  // Time-ordered ids: a later import's rows win over an earlier one's (see the loader).
  const importId = uuidv7({ msecs: now.getTime() });
  // S3 matches notification suffixes case-sensitively: the key's extension is always lower case.
  const baseName = request.fileName.slice(0, -extension.length);
  const uploadKey = `uploads/${importId}/${baseName}${extension}`;
  const timestamp = now.toISOString();
  await deps.jobs.create({
    importId,
    status: 'PENDING',
    fileName: request.fileName,
    uploadKey,
    createdBy,
    createdAt: timestamp,
    updatedAt: timestamp,
  });
  // A presigned POST rather than PUT: its policy caps the file's size, which a PUT URL cannot.
  const upload = await deps.uploads.presignUpload(
    uploadKey,
    request.contentType,
    maxCatalogFileBytes,
    uploadUrlSeconds,
  );
  return { importId, upload, expiresAt: new Date(now.getTime() + uploadUrlSeconds * 1000).toISOString() };
}

export async function getImport(
  deps: { jobs: ImportJobStore; uploads: UploadStore },
  importId: string,
): Promise<ImportReport> {
  const job = await deps.jobs.get(importId);
  if (!job) throw new NotFoundError(`Import ${importId} does not exist`);
  const { rejectsKey, fileETag: _etag, uploadKey: _key, ...report } = job;
  return rejectsKey
    ? { ...report, rejectsUrl: await deps.uploads.presignDownload(rejectsKey, rejectsUrlSeconds) }
    : report;
}

export interface UploadedObject {
  bucket: string;
  key: string;
  eTag: string;
}

export type ProcessOutcome =
  | ({ outcome: 'read'; importId: string } & CatalogFileResult)
  | { outcome: 'failed'; importId: string; reason: string }
  | { outcome: 'ignored'; reason: string };

const uploadKeyPattern = /^uploads\/([0-9a-f-]{36})\/[^/]+\.csv(\.gz)?$/;

function isGzipError(error: unknown): error is Error {
  const code = (error as { code?: unknown }).code;
  return code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'Z_NEED_DICT';
}

/** Passes the first `maxBytes` bytes on, then fails the file: nothing past the limit is read. */
function sizeLimit(maxBytes: number, gzipped: boolean): Transform {
  let seen = 0;
  return new Transform({
    transform(piece: Buffer, _encoding, callback) {
      seen += piece.length;
      if (seen <= maxBytes) return callback(null, piece);
      const limit = gzipped ? `${describeBytes(maxBytes)} once decompressed` : describeBytes(maxBytes);
      callback(
        new ImportFileError(`The file is larger than ${limit}, the most an import reads; it was not read past that`),
      );
    },
  });
}

/**
 * Reads one uploaded file: valid rows go to the import queue in chunks, rejected rows to the
 * rejects report, the counts to the job. Safe to run again for the same object. The CSV read is
 * capped at `maxBytes` (decompressed, for a .csv.gz).
 */
export async function processUpload(
  deps: { jobs: ImportJobStore; uploads: UploadStore; queue: ChunkQueue },
  object: UploadedObject,
  maxBytes = maxCatalogFileBytes,
): Promise<ProcessOutcome> {
  const match = uploadKeyPattern.exec(object.key);
  if (!match) return { outcome: 'ignored', reason: `${object.key} is not an import upload` };
  const importId = match[1]!;
  const claim = await deps.jobs.claimFile(importId, object.key, object.eTag);
  if (!claim.claimed) return { outcome: 'ignored', reason: `import ${importId}: ${claim.reason}` };

  const rejectsKey = `rejects/${importId}.csv`;
  const report = deps.uploads.rejectsReport(object.bucket, rejectsKey);
  const sender = deps.queue.sender();
  try {
    const body = (await deps.uploads.open(object.bucket, object.key)) as Readable;
    const gzipped = match[2] !== undefined;
    // The stages' errors (S3, gunzip, the size limit) surface through the last one, which
    // splitCatalogFile reads; stopping early there destroys them all.
    const limit = sizeLimit(maxBytes, gzipped);
    const source = gzipped
      ? pipeline(body, createGunzip(), limit, () => undefined)
      : pipeline(body, limit, () => undefined);
    const result = await splitCatalogFile(source, importId, {
      begin: (header) => report.begin(header),
      chunk: (chunk) => sender.send(chunk),
      reject: (rejected) => report.add(rejected),
    });
    await sender.flush();
    const wroteReport = await report.finish();
    const job = await deps.jobs.recordFileRead(importId, object.eTag, {
      rowsRead: result.rowsRead,
      rowsRejected: result.rowsRejected,
      chunksSent: result.chunks,
      rejectsKey: wroteReport ? rejectsKey : undefined,
    });
    await settle(deps.jobs, job);
    return { outcome: 'read', importId, ...result };
  } catch (error) {
    await report.abort();
    if (error instanceof ImportFileError || isGzipError(error)) {
      const reason = error instanceof ImportFileError ? error.message : `The file is not valid gzip (${error.message})`;
      await deps.jobs.fail(importId, reason);
      return { outcome: 'failed', importId, reason };
    }
    // Anything else (S3, SQS, DynamoDB) may pass: Lambda retries the event, and the claim lets it.
    throw error;
  }
}

/** Ends the job if its counts say so (whoever updated it last sees every count). */
async function settle(jobs: ImportJobStore, job: ImportJob | undefined): Promise<void> {
  const status = job && settledStatus(job);
  if (job && status && status !== job.status) {
    await jobs.settle(job, status, status === 'PARTIALLY_LOADED' ? deadLetterReason(job) : undefined);
  }
}

export interface LoadDeps extends ProjectionDeps {
  loader: CatalogLoader;
  jobs: ImportJobStore;
}

/** The chunk's rows that keep the product rules, and a refusal for each of the others. */
export function checkChunkRows(chunk: ImportChunk): { valid: ImportChunk['rows']; refused: RowRefusal[] } {
  const refused: RowRefusal[] = [];
  const valid = chunk.rows.filter((row) => {
    const reason = rowRefusal(row);
    if (reason) refused.push({ row: row.row, sku: row.sku, reason });
    return !reason;
  });
  return { valid, refused };
}

/**
 * Loads one chunk into PostgreSQL, projects the products it changed into the catalog read model,
 * and advances the job. A row that breaks a product rule, or that the database refuses, is refused
 * alone; the rest load. Safe to repeat: a redelivered chunk is recognised and only re-projected.
 */
export async function loadChunk(deps: LoadDeps, chunk: ImportChunk): Promise<{ duplicate: boolean; refused: number }> {
  const { valid, refused } = checkChunkRows(chunk);
  const result = await deps.loader.load({ ...chunk, rows: valid }, refused);
  if (result.refusals.length && !result.duplicate) {
    logger.warn('Import rows refused', { importId: chunk.importId, chunk: chunk.chunk, refusals: result.refusals });
  }
  await projectAfterCommit(
    deps,
    valid.map((row) => row.sku),
  );
  const job = await deps.jobs.recordLoadProgress(chunk.importId, {
    rowsLoaded: result.rowsLoaded,
    rowsRefused: result.rowsRefused,
    refusals: result.refusals,
    chunk: chunk.chunk,
    chunkRows: chunk.rows.length,
  });
  if (!job) logger.warn('Chunk of an unknown import loaded', { importId: chunk.importId, chunk: chunk.chunk });
  await settle(deps.jobs, job);
  return { duplicate: result.duplicate, refused: result.refusals.length };
}

/**
 * The worker gives up on a chunk (its last try failed; the queue moves it to the dead-letter
 * queue): the job counts its rows as waiting there, and ends PARTIALLY_LOADED if nothing else is
 * on its way. A redrive that loads the chunk takes it off again.
 */
export async function recordChunkDeadLettered(jobs: ImportJobStore, chunk: ImportChunk): Promise<void> {
  const job = await jobs.recordChunkDeadLettered(chunk.importId, chunk.chunk, chunk.rows.length);
  await settle(jobs, job);
}
