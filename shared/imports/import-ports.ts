/**
 * Ports of the import pipeline; adapters in shared/adapters/{s3,sqs,postgres,dynamodb}.
 */
import type { RejectedRow } from './catalog-file';
import type { ImportChunk } from './import-chunk';
import type { RowRefusal } from './import-job';
import type { PresignedUpload } from './import-requests';

/** The uploads bucket: presigned uploads and URLs, streaming reads, and the rejects report. */
export interface UploadStore {
  /** A presigned POST for exactly this key and Content-Type, of a file of at most `maxBytes`. */
  presignUpload(key: string, contentType: string, maxBytes: number, expiresInSeconds: number): Promise<PresignedUpload>;
  presignDownload(key: string, expiresInSeconds: number): Promise<string>;
  open(bucket: string, key: string): Promise<NodeJS.ReadableStream>;
  rejectsReport(bucket: string, key: string): RejectsReport;
}

/** A CSV of rejected rows written while the file streams; nothing is stored if nothing is rejected. */
export interface RejectsReport {
  begin(header: string[]): void;
  add(rejected: RejectedRow): Promise<void>;
  /** Completes the upload; true when a report was written. */
  finish(): Promise<boolean>;
  abort(): Promise<void>;
}

/** The import queue, as seen by one run of the file processor. */
export interface ChunkSender {
  /** Queues a chunk; resolves once the sender has room for more (back-pressure). */
  send(chunk: ImportChunk): Promise<void>;
  /** Resolves when every chunk has been accepted by the queue. */
  flush(): Promise<void>;
}

export interface ChunkQueue {
  sender(): ChunkSender;
}

export interface ChunkLoadResult {
  /** Rows of this import loaded so far, this chunk included, counting every chunk once. */
  rowsLoaded: number;
  /** Rows of this import refused so far, likewise. */
  rowsRefused: number;
  /** This chunk's refused rows (also when it was loaded before). */
  refusals: RowRefusal[];
  /** The chunk had been loaded before (a redelivery). */
  duplicate: boolean;
}

/**
 * PostgreSQL: merges a chunk into products, applying only rows newer than what is stored. Rows
 * refused before loading are recorded with it; a row the database itself refuses is refused
 * alone, the rest of the chunk still loads.
 */
export interface CatalogLoader {
  load(chunk: ImportChunk, refused: RowRefusal[]): Promise<ChunkLoadResult>;
}
