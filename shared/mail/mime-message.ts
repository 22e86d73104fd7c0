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

function decodeQuotedPrintable(text: string): Buffer {
  // Soft line breaks (`=` at a line's end) join lines; `=XX` is a byte.
  const joined = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i]!;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(joined.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes);
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

/** Splits a multipart body at its boundary lines; the preamble and epilogue are left out. */
function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const lines = body.split(/(?<=\n)/);
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    const bare = line.replace(/\r?\n$/, '').trimEnd();
    if (bare === delimiter || bare === `${delimiter}--`) {
      if (current) parts.push(current.join('').replace(/\r?\n$/, ''));
      if (bare.endsWith('--')) return parts;
      current = [];
      continue;
    }
    current?.push(line);
  }
  throw new MimeError(`the multipart has no closing boundary --${boundary}--`);
}

function parsePart(text: string, depth: number): MimePart {
  const end = /\r?\n\r?\n/.exec(text);
  // A part that starts with an empty line has no headers; one with no empty line, no body.
  const startsEmpty = /^\r?\n/.test(text);
  const headerBlock = startsEmpty ? '' : end ? text.slice(0, end.index) : text;
  const body = startsEmpty ? text.replace(/^\r?\n/, '') : end ? text.slice(end.index + end[0].length) : '';
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
