/**
 * How big a catalog file may be, in one place: the upload's limit (the presigned POST's
 * content-length-range, which S3 enforces) and the limit on the CSV the file processor reads, so a
 * small .csv.gz cannot expand into more than a plain file may hold (a gzip bomb).
 *
 * 1 GiB: the file processor reads 7-8.5 MiB per CPU second (bench/results.md); at its 1024 MB
 * (0.58 vCPU) a 1 GiB file takes about 3.5 minutes, well inside Lambda's 15.
 */
export const maxCatalogFileBytes = 1024 ** 3;

/** `1 GiB`, `64 KiB`, `1500 bytes`: a limit as people read it. */
export function describeBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}
