/**
 * Ports of the import pipeline; adapters in shared/adapters/{s3,sqs,postgres,dynamodb}.
 */
import type { Product } from '../catalog/product';
import type { RejectedRow } from './catalog-file';
import type { ImportChunk } from './import-chunk';

/** The uploads bucket: presigned URLs, streaming reads, and the rejects report. */
export interface UploadStore {
  presignUpload(key: string, contentType: string, expiresInSeconds: number): Promise<string>;
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
  /** Products as they are after this chunk, to project into the catalog read model. */
  products: Product[];
  /** Rows of this import loaded so far, this chunk included, counting every chunk once. */
  rowsLoaded: number;
  /** The chunk had been loaded before (a redelivery). */
  duplicate: boolean;
}

/** PostgreSQL: merges a chunk into products, applying only rows newer than what is stored. */
export interface CatalogLoader {
  load(chunk: ImportChunk): Promise<ChunkLoadResult>;
}
