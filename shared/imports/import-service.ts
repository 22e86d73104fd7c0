/**
 * The import pipeline's domain: create a job and hand out an upload URL; read an uploaded file
 * into chunks and rejects; load a chunk; report a job. Handlers in services/imports/ call these.
 */
import { createGunzip } from 'node:zlib';
import { v7 as uuidv7 } from 'uuid';
import type { CatalogReadModel } from '../catalog/catalog-ports';
import { InvalidInputError, NotFoundError } from '../errors';
import { logger } from '../observability';
import { splitCatalogFile, type CatalogFileResult } from './catalog-file';
import { ImportFileError } from './catalog-row';
import type { ImportChunk } from './import-chunk';
import { isFullyLoaded, type ImportJobStore, type ImportReport } from './import-job';
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
  const uploadUrl = await deps.uploads.presignUpload(uploadKey, request.contentType, uploadUrlSeconds);
  return {
    importId,
    uploadUrl,
    expiresAt: new Date(now.getTime() + uploadUrlSeconds * 1000).toISOString(),
    uploadHeaders: { 'Content-Type': request.contentType },
  };
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

/**
 * Reads one uploaded file: valid rows go to the import queue in chunks, rejected rows to the
 * rejects report, the counts to the job. Safe to run again for the same object.
 */
export async function processUpload(
  deps: { jobs: ImportJobStore; uploads: UploadStore; queue: ChunkQueue },
  object: UploadedObject,
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
    const body = await deps.uploads.open(object.bucket, object.key);
    const source = match[2] ? body.pipe(createGunzip()) : body;
    // A gunzip error happens in the gunzip stream, which pipe() does not forward.
    if (source !== body) body.on('error', (error) => (source as NodeJS.ReadWriteStream).emit('error', error));
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
    if (isFullyLoaded(job)) await deps.jobs.complete(job);
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

export interface LoadDeps {
  loader: CatalogLoader;
  catalog: CatalogReadModel;
  jobs: ImportJobStore;
}

/** How many read-model writes run at once for one chunk. */
const projectionConcurrency = 16;

/**
 * Loads one chunk into PostgreSQL, projects the products it changed into the catalog read model,
 * and advances the job. Safe to repeat: a redelivered chunk is recognised and only re-projected.
 */
export async function loadChunk(deps: LoadDeps, chunk: ImportChunk): Promise<{ duplicate: boolean }> {
  const { products, rowsLoaded, duplicate } = await deps.loader.load(chunk);
  for (let i = 0; i < products.length; i += projectionConcurrency) {
    await Promise.all(products.slice(i, i + projectionConcurrency).map((product) => deps.catalog.put(product)));
  }
  const job = await deps.jobs.recordRowsLoaded(chunk.importId, rowsLoaded);
  if (!job) logger.warn('Chunk of an unknown import loaded', { importId: chunk.importId, chunk: chunk.chunk });
  else if (isFullyLoaded(job)) await deps.jobs.complete(job);
  return { duplicate };
}
