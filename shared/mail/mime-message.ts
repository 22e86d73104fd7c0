/**
 * A small MIME reader (RFC 2045-2047) for mail the shop receives: the parts of a message, their
 * content types and file names, and their bodies decoded from base64 or quoted-printable. Enough
 * for what suppliers send (a text/plain note, or a text/csv attachment in multipart/mixed), and
 * small enough to read in one sitting; postal-mime would be the package to reach for beyond that.
 * Anything it cannot read is a MimeError, never a guess.
 */
import { TextDecoder } from 'node:util';

export class MimeError extends Error {
  override readonly name = 'MimeError';
}

export interface MimePart {
  /** Lower-case `type/subtype`; text/plain when the part does not say (RFC 2045, 5.2). */
  contentType: string;
  /** Content-Type parameters, names lower-cased (charset, boundary, name). */
  parameters: Record<string, string>;
  /** `attachment` or `inline`, when the part says. */
  disposition?: string;
  filename?: string;
  /** Content-Transfer-Encoding, lower-cased (7bit when the part does not say). */
  transferEncoding: string;
  /** The body as it is in the message (one character per byte); empty for a multipart. */
  encodedBody: string;
  /** The parts of a multipart, in order. */
  parts: MimePart[];
}

/** Multiparts inside multiparts deeper than this are refused: no mail a supplier writes goes there. */
const maxDepth = 8;

/** Headers of a part, names lower-cased, folded lines unfolded; the first of a name wins. */
function readHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      headers.set(last, `${headers.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (headers.has(name)) {
      last = undefined;
      continue;
    }
    headers.set(name, line.slice(colon + 1).trim());
    last = name;
  }
  return headers;
}

/** `text/csv; charset="utf-8"; name=a.csv` → value and parameters (quoted values unquoted). */
export function headerValue(header: string): { value: string; parameters: Record<string, string> } {
  const [value = '', ...rest] = header.match(/(?:[^;"]|"(?:[^"\\]|\\.)*")+/g) ?? [];
  const parameters: Record<string, string> = {};
  for (const parameter of rest) {
    const equals = parameter.indexOf('=');
    if (equals <= 0) continue;
    const name = parameter.slice(0, equals).trim().toLowerCase();
    let text = parameter.slice(equals + 1).trim();
    if (text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1).replace(/\\(.)/g, '$1');
    parameters[name] = text;
  }
  return { value: value.trim().toLowerCase(), parameters };
}

const hexDigit = (code: number) =>
  code >= 48 && code <= 57
    ? code - 48
    : code >= 65 && code <= 70
      ? code - 55
      : code >= 97 && code <= 102
        ? code - 87
        : -1;

function decodeQuotedPrintable(text: string): Buffer {
  // Soft line breaks (`=` at a line's end) join lines; `=XX` is a byte. Written into one buffer of
  // the text's length (the decoded body is never longer): a mail may be tens of megabytes.
  const bytes = Buffer.allocUnsafe(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x3d) {
      if (text[i + 1] === '\n') {
        i += 1;
        continue;
      }
      if (text[i + 1] === '\r' && text[i + 2] === '\n') {
        i += 2;
        continue;
      }
      const high = hexDigit(text.charCodeAt(i + 1));
      const low = high === -1 ? -1 : hexDigit(text.charCodeAt(i + 2));
      if (low !== -1) {
        bytes[length++] = high * 16 + low;
        i += 2;
        continue;
      }
    }
    bytes[length++] = code & 0xff;
  }
  return bytes.subarray(0, length);
}

function decodeBody(body: string, encoding: string): Buffer {
  switch (encoding) {
    case 'base64': {
      const compact = body.replace(/[\r\n\t ]/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw new MimeError('a base64 part holds other characters');
      return Buffer.from(compact, 'base64');
    }
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    case '7bit':
    case '8bit':
    case 'binary':
      return Buffer.from(body, 'latin1');
    default:
      throw new MimeError(`unknown Content-Transfer-Encoding ${encoding}`);
  }
}

/** `text` without its last line break, if it ends with one. */
const withoutLastBreak = (text: string) =>
  text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;

/**
 * Splits a multipart body at its boundary lines; the preamble and epilogue are left out. The parts
 * are slices of the body, found with indexOf: a body of tens of megabytes is not copied, nor cut
 * into lines.
 */
function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let partStart = -1;
  for (let at = body.indexOf(delimiter); at !== -1; at = body.indexOf(delimiter, at + delimiter.length)) {
    if (at > 0 && body[at - 1] !== '\n') continue;
    const lineEnd = body.indexOf('\n', at);
    const next = lineEnd === -1 ? body.length : lineEnd + 1;
    // After the delimiter, only `--` (the closing one) and trailing white space (RFC 2046, 5.1.1).
    const rest = body.slice(at + delimiter.length, lineEnd === -1 ? body.length : lineEnd).trimEnd();
    if (rest !== '' && rest !== '--') continue;
    if (partStart !== -1) parts.push(withoutLastBreak(body.slice(partStart, at)));
    if (rest === '--') return parts;
    partStart = next;
  }
  throw new MimeError(`the multipart has no closing boundary --${boundary}--`);
}

function parsePart(text: string, depth: number): MimePart {
  const end = /\r?\n\r?\n/.exec(text);
  // A part that starts with an empty line has no headers; one with no empty line, no body.
  const startsEmpty = /^\r?\n/.test(text);
  const headerBlock = startsEmpty ? '' : end ? text.slice(0, end.index) : text;
  const body = startsEmpty
    ? text.slice(text.startsWith('\r') ? 2 : 1)
    : end
      ? text.slice(end.index + end[0].length)
      : '';
  const headers = readHeaders(headerBlock);
  const type = headerValue(headers.get('content-type') ?? 'text/plain; charset=us-ascii');
  const disposition = headers.has('content-disposition') ? headerValue(headers.get('content-disposition')!) : undefined;
  const filename = disposition?.parameters.filename ?? type.parameters.name;
  const part: MimePart = {
    contentType: type.value || 'text/plain',
    parameters: type.parameters,
    ...(disposition?.value ? { disposition: disposition.value } : {}),
    ...(filename ? { filename } : {}),
    transferEncoding: (headers.get('content-transfer-encoding') ?? '7bit').trim().toLowerCase(),
    encodedBody: '',
    parts: [],
  };
  if (part.contentType.startsWith('multipart/')) {
    if (depth >= maxDepth) throw new MimeError(`multiparts nested deeper than ${maxDepth}`);
    const boundary = type.parameters.boundary;
    if (!boundary) throw new MimeError(`a ${part.contentType} without a boundary`);
    part.parts = splitMultipart(body, boundary).map((inner) => parsePart(inner, depth + 1));
    return part;
  }
  // Decoded only when read (partBody): a part nobody reads cannot make the message unreadable.
  part.encodedBody = body;
  return part;
}

/** The message's MIME tree. Bytes are read as latin1, one character each, until a charset says. */
export function parseMime(raw: Buffer): MimePart {
  return parsePart(raw.toString('latin1'), 0);
}

/** Every part that is not a multipart, depth first, in the message's order. */
export function leafParts(part: MimePart): MimePart[] {
  return part.parts.length || part.contentType.startsWith('multipart/') ? part.parts.flatMap(leafParts) : [part];
}

/** A part's body, its transfer encoding undone. */
export function partBody(part: MimePart): Buffer {
  return decodeBody(part.encodedBody, part.transferEncoding);
}

/** A part's body as text, in its charset (us-ascii when it names none). */
export function partText(part: MimePart): string {
  const charset = (part.parameters.charset ?? 'us-ascii').toLowerCase();
  let decoder: TextDecoder;
  try {
    // us-ascii is decoded as windows-1252 by the Encoding Standard, a superset: ASCII text is unchanged.
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw new MimeError(`unknown charset ${charset}`);
  }
  const bytes = partBody(part);
  try {
    return decoder.decode(bytes);
  } catch {
    throw new MimeError(`the ${part.contentType} part is not valid ${charset}`);
  }
}
