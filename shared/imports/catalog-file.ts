/**
 * Reads a catalog CSV file as a stream and splits it into chunks of valid rows and a list of
 * rejected rows, without ever holding the file: each record is parsed, checked and passed on,
 * and the next is read only when the sink has taken the last chunk (back-pressure).
 *
 * Parsing is csv-parse's RFC 4180 (quoted fields with commas, quotes and newlines; CRLF or LF;
 * a UTF-8 BOM), lenient about a stray quote inside a field, strict about the field count.
 */
import { pipeline } from 'node:stream/promises';
import { parse, type CsvError, type Options } from 'csv-parse';
import { ImportFileError, parseRow, readHeader, type ColumnIndex } from './catalog-row';
import { Chunker, chunkLimits, type ImportChunk } from './import-chunk';

export interface RejectedRow {
  /** 1-based data-row number (the header is not counted; blank lines are skipped). */
  row: number;
  /** The file line where the row ends (a quoted field may span lines). */
  line: number;
  reason: string;
  /** The row's fields as they were in the file; empty when the row could not be parsed. */
  fields: string[];
}

export interface CatalogFileSink {
  /** The file's header, before any row. */
  begin(header: string[]): Promise<void> | void;
  chunk(chunk: ImportChunk): Promise<void>;
  reject(rejected: RejectedRow): Promise<void>;
}

export interface CatalogFileResult {
  rowsRead: number;
  rowsRejected: number;
  chunks: number;
}

/** A record longer than this is a broken file (an unclosed quote), not a product. */
export const maxRecordBytes = 64 * 1024;

/** A record, with the rows csv-parse skipped just before it, so the report keeps file order. */
type ParsedRecord = { row: number; line: number; fields: string[]; skippedBefore: RejectedRow[] };

function skipReason(error: CsvError, fields: string[], headerLength: number): string {
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return `has ${fields.length} fields, the header has ${headerLength}`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quote opened in this row is never closed; the rest of the file could not be read';
    case 'CSV_MAX_RECORD_SIZE':
      return `the row is longer than ${maxRecordBytes / 1024} KiB (an unclosed quote?); the rest of the file could not be read`;
    default:
      return `cannot be parsed: ${error.message}`;
  }
}

export async function splitCatalogFile(
  source: NodeJS.ReadableStream,
  importId: string,
  sink: CatalogFileSink,
  limits: { maxRows: number; maxBytes: number } = chunkLimits,
): Promise<CatalogFileResult> {
  let rowsRead = 0;
  let rowsRejected = 0;
  let columns: ColumnIndex | undefined;
  let headerLength = 0;
  // csv-parse reports skipped records through a callback, in file order with the records (both
  // run inside the parser, ahead of the consumer): each waits here for the next record to carry it.
  let skipped: RejectedRow[] = [];
  let seenHeader = false;

  const options: Options<ParsedRecord, string[]> = {
    bom: true,
    // Either line ending, even mixed in one file (csv-parse would otherwise keep the first it saw).
    record_delimiter: ['\r\n', '\n'],
    skip_empty_lines: true,
    relax_quotes: true,
    max_record_size: maxRecordBytes,
    skip_records_with_error: true,
    on_record: (fields: string[], context): ParsedRecord => {
      const skippedBefore = skipped;
      skipped = [];
      if (!seenHeader) {
        seenHeader = true;
        headerLength = fields.length;
        return { row: 0, line: context.lines, fields, skippedBefore };
      }
      return { row: ++rowsRead, line: context.lines, fields, skippedBefore };
    },
    on_skip: (error: CsvError | undefined) => {
      if (!error) return undefined;
      const fields = Array.isArray(error.record) ? (error.record as string[]) : [];
      const line = typeof error.lines === 'number' ? error.lines : 0;
      skipped.push({ row: ++rowsRead, line, reason: skipReason(error, fields, headerLength), fields });
      return undefined;
    },
  };
  // The typings tie on_record's return type to the `columns` option, which is not used here.
  const parser = parse(options as unknown as Options);

  const chunker = new Chunker(importId, limits);
  const reject = async (rows: RejectedRow[]) => {
    for (const rejected of rows) {
      rowsRejected++;
      await sink.reject(rejected);
    }
  };

  await pipeline(source, parser, async (records: AsyncIterable<ParsedRecord>) => {
    for await (const record of records) {
      if (record.row === 0) {
        columns = readHeader(record.fields);
        await sink.begin(record.fields);
        continue;
      }
      await reject(record.skippedBefore);
      const result = parseRow(record.fields, columns!, record.row);
      if (!result.ok) {
        rowsRejected++;
        await sink.reject({ row: record.row, line: record.line, reason: result.reason, fields: record.fields });
        continue;
      }
      const full = chunker.add(result.value);
      if (full) await sink.chunk(full);
    }
  });
  if (!columns) {
    throw new ImportFileError(
      skipped.length > 0
        ? `The header row cannot be read: ${skipped[0]!.reason}`
        : 'The file is empty: it has no header row',
    );
  }
  await reject(skipped);
  const last = chunker.flush();
  if (last) await sink.chunk(last);
  return { rowsRead, rowsRejected, chunks: chunker.chunksMade };
}
