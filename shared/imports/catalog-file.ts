/**
 * Reads a catalog CSV file as a stream and splits it into chunks of valid rows and a list of
 * rejected rows, without ever holding the file: each record is checked and put in a chunk as the
 * parser reads it, and the parser takes the next piece of the file only when the sink has caught
 * up with the chunks and rejects it was handed (back-pressure).
 *
 * Parsing is csv-parse's RFC 4180 (quoted fields with commas, quotes and newlines; CRLF or LF;
 * a UTF-8 BOM), lenient about a stray quote inside a field, strict about the field count. A record
 * longer than maxRecordBytes fails the whole file: past it the parser is lost. The reader is
 * CsvScanner (./csv-scanner.ts), which reads as csv-parse does with these options, several times
 * faster; csv-parse itself reads the rare file that opens with a UTF-16 byte-order mark.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse, type CsvError, type Options } from 'csv-parse';
import { CsvScanner, startsWithUtf16Bom, type CsvScanError } from './csv-scanner';
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

/** A record longer than this is a broken file (an unclosed quote, or not a CSV at all), not a product. */
export const maxRecordBytes = 64 * 1024;

/** How csv-parse reads a catalog file (the callbacks aside). */
export const csvOptions = {
  bom: true,
  // Either line ending, even mixed in one file (csv-parse would otherwise keep the first it saw).
  record_delimiter: ['\r\n', '\n'],
  skip_empty_lines: true,
  relax_quotes: true,
  max_record_size: maxRecordBytes,
  skip_records_with_error: true,
} as const satisfies Options;

/**
 * What the parser hands the consumer. Each row is parsed, checked and put in a chunk inside the
 * parser's record callback, synchronously: the consumer sees only the header, full chunks and
 * rejects (a few objects per chunk instead of an object and a promise per row), in file order.
 */
type FileEvent =
  | { kind: 'header'; fields: string[]; error?: Error }
  | { kind: 'chunk'; chunk: ImportChunk }
  | { kind: 'reject'; rejected: RejectedRow };

function skipReason(error: CsvError | CsvScanError, fields: string[], headerLength: number): string {
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return `has ${fields.length} fields, the header has ${headerLength}`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quote opened in this row is never closed; the rest of the file could not be read';
    default:
      return `cannot be parsed: ${error.message}`;
  }
}

function overlongRecord(row: number | undefined, error: CsvError | CsvScanError): ImportFileError {
  const what = row === undefined ? 'The header row' : `Row ${row}`;
  const where = typeof error.lines === 'number' ? ` (at line ${error.lines})` : '';
  return new ImportFileError(
    `${what} is longer than ${maxRecordBytes / 1024} KiB${where}, the most a row may be: an unclosed quote, or not a CSV file? The file was not read past it`,
  );
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
  let seenHeader = false;
  // Why the first record (the header) was skipped by csv-parse, if it was: the file cannot be read.
  let unreadableHeader: string | undefined;
  const chunker = new Chunker(importId, limits);

  const onRecord = (fields: string[], context: { lines: number }): FileEvent | undefined => {
    if (!seenHeader) {
      seenHeader = true;
      headerLength = fields.length;
      try {
        columns = readHeader(fields);
      } catch (error) {
        return { kind: 'header', fields, error: error instanceof Error ? error : new Error(String(error)) };
      }
      return { kind: 'header', fields };
    }
    // A header the file cannot be imported with: the consumer stops at it, the rest is not read.
    if (!columns) return undefined;
    const row = ++rowsRead;
    const result = parseRow(fields, columns, row);
    if (!result.ok) {
      return { kind: 'reject', rejected: { row, line: context.lines, reason: result.reason, fields } };
    }
    const full = chunker.add(result.value);
    return full ? { kind: 'chunk', chunk: full } : undefined;
  };

  const onSkip = (error: CsvError | CsvScanError | undefined) => {
    if (!error) return undefined;
    // After an overlong record csv-parse starts again mid-record: a file without line breaks (a
    // gzip bomb, a binary file) would become one reject per piece of the stream. Thrown here, the
    // error ends the parse and fails the file.
    if (error.code === 'CSV_MAX_RECORD_SIZE') throw overlongRecord(seenHeader ? rowsRead + 1 : undefined, error);
    const fields = Array.isArray(error.record) ? (error.record as string[]) : [];
    const line = typeof error.lines === 'number' ? error.lines : 0;
    if (!seenHeader) {
      unreadableHeader ??= skipReason(error, fields, headerLength);
      return undefined;
    }
    if (!columns) return undefined;
    const rejected = { row: ++rowsRead, line, reason: skipReason(error, fields, headerLength), fields };
    // Pushed in file order with the records (this runs inside the parser, as on_record does).
    parser.push({ kind: 'reject', rejected } satisfies FileEvent);
    return undefined;
  };
  const options: Options = {
    ...csvOptions,
    // The typings tie on_record's return type to the `columns` option, which is not used here.
    on_record: onRecord as unknown as Options['on_record'],
    on_skip: onSkip,
  };
  const { head, whole } = await rewind(source);
  const parser = startsWithUtf16Bom(head)
    ? parse(options)
    : new CsvScanner({
        maxRecordSize: maxRecordBytes,
        onRecord,
        onSkip,
      });

  await pipeline(whole, parser, async (events: AsyncIterable<FileEvent>) => {
    for await (const event of events) {
      if (event.kind === 'chunk') {
        await sink.chunk(event.chunk);
      } else if (event.kind === 'reject') {
        rowsRejected++;
        await sink.reject(event.rejected);
      } else {
        if (event.error !== undefined) throw event.error;
        await sink.begin(event.fields);
      }
    }
  });
  if (!columns) {
    throw new ImportFileError(
      unreadableHeader !== undefined
        ? `The header row cannot be read: ${unreadableHeader}`
        : 'The file is empty: it has no header row',
    );
  }
  const last = chunker.flush();
  if (last) await sink.chunk(last);
  return { rowsRead, rowsRejected, chunks: chunker.chunksMade };
}

/** The file's first bytes (to choose its reader), and a stream of the whole file from its start. */
async function rewind(source: NodeJS.ReadableStream): Promise<{ head: Buffer; whole: Readable }> {
  const pieces = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let length = 0;
  while (length < 3) {
    const next = await pieces.next();
    if (next.done) break;
    const piece = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(piece);
    length += piece.length;
  }
  // yield* hands a stop (the consumer's error) on to the source, which is then destroyed.
  async function* again() {
    yield* head;
    yield* { [Symbol.asyncIterator]: () => pieces };
  }
  return { head: Buffer.concat(head), whole: Readable.from(again(), { objectMode: false }) };
}
