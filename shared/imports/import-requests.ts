/** What POST /imports accepts. */
import * as z from '../zod';

/** The extensions S3's notification suffixes match (infra/resources/storage.yml). */
export const importFileTypes = {
  '.csv.gz': ['application/gzip', 'application/x-gzip'],
  '.csv': ['text/csv', 'application/csv'],
} as const;

export const createImportSchema = z.strictObject({
  fileName: z.string().check(
    z.trim(),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/, 'must be 1-100 letters, digits, spaces, dots, dashes or underscores'),
    z.refine((name) => /\.csv(\.gz)?$/i.test(name), 'must end in .csv or .csv.gz'),
  ),
  contentType: z.string().check(z.trim(), z.toLowerCase()),
});

export type CreateImportRequest = z.infer<typeof createImportSchema>;

export const importIdPath = z.object({ importId: z.uuid({ message: 'must be an import id' }) });

/**
 * A presigned POST (S3's browser form upload): send `fields` as multipart/form-data to `url`, then
 * the file as the field `file`, last. The signed policy holds S3 to this key, this Content-Type and
 * a file of at most maxCatalogFileBytes (shared/imports/import-limits.ts).
 */
export interface PresignedUpload {
  url: string;
  fields: Record<string, string>;
}

/** What POST /imports answers. */
export interface CreatedImport {
  importId: string;
  upload: PresignedUpload;
  /** The upload's policy expires then. */
  expiresAt: string;
}
