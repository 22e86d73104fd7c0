/**
 * A CSV reader built for speed that reads a catalog file exactly as csv-parse does with
 * `csvOptions` (shared/imports/catalog-file.ts): the same records, the same line numbers, the same
 * skipped records, the same failures. It takes csv-parse's `on_record` / `on_skip` callbacks, so it
 * is a drop-in replacement for `parse(options)` there; tests/unit/imports/csv-scanner.test.ts holds
 * it to csv-parse on generated tricky files cut at every possible place.
 *
 * Why it is fast: csv-parse looks at every byte in JavaScript, with several function calls each.
 * Most lines of a catalog are simple: no CR but the line end's, quotes only around whole fields
 * with no quote inside. For those the scanner finds the line end, the commas and the closing
 * quotes with `indexOf` (memchr, native) and decodes each field once. Any other line (a doubled or
 * stray quote, a field over several lines, a CR that does not end the line, a line longer than a
 * record may be, the last line without a line break) goes through a byte-by-byte slow path that
 * is csv-parse's own state machine, transcribed for these options.
 *
 * One thing csv-parse does that this does not: a file opening with a UTF-16 byte-order mark.
 * `startsWithUtf16Bom` tells the caller to use csv-parse for such a file.
 */
import { isAscii } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;

export interface CsvScannerOptions {
  /** The most bytes a record may hold (csv-parse's max_record_size). */
  maxRecordSize: number;
  /** A record and where it ends; what it returns (if anything) is pushed downstream. */
  onRecord(fields: string[], context: { lines: number }): unknown;
  /** A record skipped for an error (csv-parse's on_skip with skip_records_with_error); may throw. */
  onSkip(error: CsvScanError): void;
}

/** csv-parse's CsvError, as far as on_skip's callers read it. */
export class CsvScanError extends Error {
  constructor(
    readonly code: 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' | 'CSV_QUOTE_NOT_CLOSED' | 'CSV_MAX_RECORD_SIZE',
    message: string,
    readonly lines: number,
    readonly record?: string[],
  ) {
    super(message);
  }
}

/** csv-parse reads a file opening with FF FE as UTF-16LE: this scanner leaves those to it. */
export const startsWithUtf16Bom = (head: Buffer) => head.length >= 3 && head[0] === 0xff && head[1] === 0xfe;

export class CsvScanner extends Transform {
  private rest?: Buffer;
  private bomChecked = false;
  /** csv-parse's info.lines and the flag that advances it when the next byte is read. */
  private lines = 1;
  private wasRowDelimiter = false;
  private records = 0;
  private expectedFields = 0;
  // The slow path's state: a record read byte by byte, possibly across pieces of the stream.
  private slow = false;
  private quoting = false;
  private wasQuoting = false;
  private escaping = false;
  private field = Buffer.allocUnsafe(1024);
  private fieldLength = 0;
  private record: string[] = [];
  /** UTF-16 units of the record's finished fields: what csv-parse counts against max_record_size. */
  private recordLength = 0;
  // Where the next quote and CR are in the current buffer (so each is searched for once).
  private nextQuote = -1;
  private nextCr = -1;
  /**
   * The current buffer as text when it is all ASCII (almost every piece of a catalog): byte
   * offsets are then character offsets, and a field is a slice of this one string instead of a
   * UTF-8 decode of its own (a native call per field, the parser's biggest cost).
   */
  private text?: string;

  constructor(private readonly options: CsvScannerOptions) {
    super({ readableObjectMode: true });
  }

  override _transform(piece: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.run(piece, false, callback);
  }

  override _flush(callback: TransformCallback): void {
    this.run(undefined, true, callback);
  }

  private run(piece: Buffer | undefined, end: boolean, callback: TransformCallback): void {
    try {
      let buf = this.rest === undefined ? piece : piece === undefined ? this.rest : Buffer.concat([this.rest, piece]);
      this.rest = undefined;
      if (buf !== undefined && !this.bomChecked) {
        if (buf.length < 3 && !end) {
          this.rest = buf;
          return callback();
        }
        this.bomChecked = true;
        if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      }
      if (buf !== undefined) {
        const pos = this.scan(buf, end);
        if (pos < buf.length) this.rest = buf.subarray(pos);
      }
      if (end) this.finish();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  /** Reads whole records from `buf`; returns where the unread rest starts. */
  private scan(buf: Buffer, end: boolean): number {
    const length = buf.length;
    const max = this.options.maxRecordSize;
    this.nextQuote = -1;
    this.nextCr = -1;
    this.text = isAscii(buf) ? buf.toString('latin1') : undefined;
    let pos = 0;
    while (pos < length) {
      if (this.slow) {
        pos = this.slowPath(buf, pos, end);
        if (this.slow) return pos;
        continue;
      }
      // Fast path: a whole line, no CR in it but the one before its LF.
      const lf = buf.indexOf(LF, pos);
      if (lf === -1) {
        // The last line of the file, or a line longer than a record may be: byte by byte.
        if (end || length - pos > max) {
          this.slow = true;
          continue;
        }
        return pos;
      }
      if (this.nextCr < pos && this.nextCr !== length) this.nextCr = indexOrLength(buf, CR, pos);
      const lineEnd = lf > pos && buf[lf - 1] === CR ? lf - 1 : lf;
      if (this.nextCr < lineEnd || lf - pos > max) {
        this.slow = true;
        continue;
      }
      if (this.wasRowDelimiter) {
        this.lines++;
        this.wasRowDelimiter = false;
      }
      if (lineEnd > pos) {
        const fields = this.splitLine(buf, pos, lineEnd);
        if (fields === undefined) {
          this.slow = true;
          continue;
        }
        this.deliver(fields);
      }
      // An empty line is skipped; either way its CR or LF counts the line once.
      this.wasRowDelimiter = true;
      pos = lf + 1;
    }
    return pos;
  }

  /**
   * The fields of one line, or undefined if a quote in it needs the slow path: fields are cut at
   * commas, and a quoted field is taken whole when it holds no quote and its closing quote is
   * followed by a comma or the line end (what catalog files hold: `"Tea, green"`).
   */
  private splitLine(buf: Buffer, pos: number, lineEnd: number): string[] | undefined {
    const fields: string[] = [];
    let start = pos;
    for (;;) {
      if (buf[start] === QUOTE && start < lineEnd) {
        const close = buf.indexOf(QUOTE, start + 1);
        if (close === -1 || close >= lineEnd) return undefined;
        fields.push(this.decode(buf, start + 1, close));
        if (close + 1 === lineEnd) return fields;
        if (buf[close + 1] !== COMMA) return undefined;
        start = close + 2;
        continue;
      }
      const comma = buf.indexOf(COMMA, start);
      const fieldEnd = comma === -1 || comma >= lineEnd ? lineEnd : comma;
      // A stray quote inside an unquoted field (relax_quotes keeps it, and it may open a field).
      if (this.nextQuote < start && this.nextQuote !== buf.length) this.nextQuote = indexOrLength(buf, QUOTE, start);
      if (this.nextQuote < fieldEnd) return undefined;
      fields.push(this.decode(buf, start, fieldEnd));
      if (fieldEnd === lineEnd) return fields;
      start = fieldEnd + 1;
    }
  }

  private decode(buf: Buffer, start: number, end: number): string {
    return this.text === undefined ? buf.toString('utf8', start, end) : this.text.slice(start, end);
  }

  /**
   * csv-parse's loop for one record, byte by byte (its parse(), with the options above fixed):
   * stops when the record is done (back to the fast path) or, unless at the end, when fewer bytes
   * are left than its look-ahead needs (the state is kept for the next piece).
   */
  private slowPath(buf: Buffer, from: number, end: boolean): number {
    const length = buf.length;
    const max = this.options.maxRecordSize;
    let pos = from;
    for (; pos < length; pos++) {
      if (!end && length - pos - 1 < (this.quoting ? 3 : 2)) return pos;
      if (this.wasRowDelimiter) {
        this.lines++;
        this.wasRowDelimiter = false;
      }
      const chr = buf[pos]!;
      // Any CR or LF counts a line, inside quotes too (a CRLF inside quotes counts two).
      if (chr === CR || chr === LF) this.wasRowDelimiter = true;
      if (this.escaping) {
        this.escaping = false;
      } else {
        if (chr === QUOTE) {
          if (this.quoting) {
            const next = buf[pos + 1];
            if (next === QUOTE) {
              this.escaping = true;
              continue;
            }
            // A quote closes the field before a comma, a line end, the end of the file, or a NUL
            // byte (csv-parse tests `!nextChr`); before anything else it is kept (relax_quotes).
            this.quoting = false;
            this.wasQuoting = true;
            if (
              next === undefined ||
              next === 0 ||
              next === COMMA ||
              next === LF ||
              (next === CR && buf[pos + 2] === LF)
            ) {
              continue;
            }
            this.prependQuote();
          } else if (this.fieldLength === 0) {
            this.quoting = true;
            continue;
          }
        }
        if (!this.quoting) {
          const delimiter = chr === LF ? 1 : chr === CR && buf[pos + 1] === LF ? 2 : 0;
          if (delimiter !== 0) {
            if (!this.wasQuoting && this.record.length === 0 && this.fieldLength === 0) {
              // A blank line (skip_empty_lines).
              pos += delimiter - 1;
              continue;
            }
            this.endField();
            this.endRecord();
            this.slow = false;
            return pos + delimiter;
          }
          if (chr === COMMA) {
            this.endField();
            continue;
          }
        }
      }
      if (this.recordLength + this.fieldLength > max) {
        this.options.onSkip(
          new CsvScanError(
            'CSV_MAX_RECORD_SIZE',
            `Max Record Size: record exceed the maximum number of tolerated bytes of ${max} at line ${this.lines}`,
            this.lines,
          ),
        );
        throw new Error(`A record is longer than ${max} bytes (at line ${this.lines})`);
      }
      this.append(chr);
    }
    return pos;
  }

  /** The end of the file: a quote left open, or a last record without a line break. */
  private finish(): void {
    if (this.quoting) {
      this.options.onSkip(
        new CsvScanError(
          'CSV_QUOTE_NOT_CLOSED',
          `Quote Not Closed: the parsing is finished with an opening quote at line ${this.lines}`,
          this.lines,
        ),
      );
    } else if (this.wasQuoting || this.record.length !== 0 || this.fieldLength !== 0) {
      this.endField();
      this.endRecord();
    }
    this.slow = false;
  }

  private append(byte: number): void {
    if (this.fieldLength === this.field.length) {
      const bigger = Buffer.allocUnsafe(this.field.length * 2);
      this.field.copy(bigger);
      this.field = bigger;
    }
    this.field[this.fieldLength++] = byte;
  }

  private prependQuote(): void {
    this.append(QUOTE);
    this.field.copyWithin(1, 0, this.fieldLength - 1);
    this.field[0] = QUOTE;
  }

  private endField(): void {
    const text = this.field.toString('utf8', 0, this.fieldLength);
    this.record.push(text);
    this.recordLength += text.length;
    this.fieldLength = 0;
    this.wasQuoting = false;
  }

  private endRecord(): void {
    const fields = this.record;
    this.record = [];
    this.recordLength = 0;
    this.deliver(fields);
  }

  /** csv-parse's __onRecord: the first record sets the field count every other must have. */
  private deliver(fields: string[]): void {
    if (this.records === 0) this.expectedFields = fields.length;
    if (fields.length !== this.expectedFields) {
      this.options.onSkip(
        new CsvScanError(
          'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH',
          `Invalid Record Length: expect ${this.expectedFields}, got ${fields.length} on line ${this.lines}`,
          this.lines,
          fields,
        ),
      );
      return;
    }
    this.records++;
    const out = this.options.onRecord(fields, { lines: this.lines });
    if (out !== undefined && out !== null) this.push(out);
  }
}

function indexOrLength(buf: Buffer, byte: number, from: number): number {
  const at = buf.indexOf(byte, from);
  return at === -1 ? buf.length : at;
}
