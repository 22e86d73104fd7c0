/**
 * The header block of a raw e-mail (RFC 5322), read as SES reads it for a receipt event's
 * `mail.headers` and `mail.commonHeaders`: folded lines unfolded, headers kept in their order.
 * The body is not SES's business here: the function reads the raw message from S3.
 */

export interface MailHeader {
  name: string;
  value: string;
}

export interface CommonHeaders {
  from?: string[];
  to?: string[];
  cc?: string[];
  returnPath?: string;
  messageId?: string;
  date?: string;
  subject?: string;
}

/** The headers of `raw`, up to the first empty line. */
export function parseMailHeaders(raw: Buffer): MailHeader[] {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const block = end === -1 ? text : text.slice(0, end);
  const headers: MailHeader[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length) {
      // A folded line continues the header above it.
      headers.at(-1)!.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return headers;
}

/** Splits an address list at the commas outside quotes and angle brackets. */
export function splitAddresses(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  for (const c of value) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') angle++;
    else if (!quoted && c === '>') angle = Math.max(0, angle - 1);
    if (c === ',' && !quoted && angle === 0) {
      if (current.trim()) parts.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** The bare address of `Name <a@b>` or `a@b`, lower-cased (SES matches recipients case-insensitively). */
export function bareAddress(value: string): string {
  return (/<([^>]*)>/.exec(value)?.[1] ?? value).trim().toLowerCase();
}

export function commonHeaders(headers: MailHeader[]): CommonHeaders {
  const first = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value;
  const list = (name: string) => {
    const value = first(name);
    return value === undefined ? undefined : splitAddresses(value);
  };
  const common: CommonHeaders = {};
  const from = list('from');
  const to = list('to');
  const cc = list('cc');
  const returnPath = first('return-path');
  const messageId = first('message-id');
  const date = first('date');
  const subject = first('subject');
  if (from) common.from = from;
  if (to) common.to = to;
  if (cc) common.cc = cc;
  if (returnPath) common.returnPath = bareAddress(returnPath);
  if (messageId) common.messageId = messageId;
  if (date) common.date = date;
  if (subject !== undefined) common.subject = subject;
  return common;
}
