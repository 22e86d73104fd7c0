/** What POST /imports accepts. */
import { z } from 'zod';

/** The extensions S3's notification suffixes match (infra/resources/storage.yml). */
export const importFileTypes = {
  '.csv.gz': ['application/gzip', 'application/x-gzip'],
  '.csv': ['text/csv', 'application/csv'],
} as const;

export const createImportSchema = z.strictObject({
  fileName: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/, 'must be 1-100 letters, digits, spaces, dots, dashes or underscores')
    .refine((name) => /\.csv(\.gz)?$/i.test(name), 'must end in .csv or .csv.gz'),
  contentType: z.string().trim().toLowerCase(),
});

export type CreateImportRequest = z.infer<typeof createImportSchema>;

export const importIdPath = z.object({ importId: z.uuid({ message: 'must be an import id' }) });

/** What POST /imports answers. */
export interface CreatedImport {
  importId: string;
  uploadUrl: string;
  /** The upload URL stops working then; PUT the file with the same Content-Type. */
  expiresAt: string;
  uploadHeaders: { 'Content-Type': string };
}
