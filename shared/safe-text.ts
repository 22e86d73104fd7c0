/**
 * Text the shop stores must come back exactly as it was given, from PostgreSQL, DynamoDB and JSON
 * alike, and must not change how the text around it is shown. These characters break that:
 * - NUL (U+0000): PostgreSQL's text type cannot hold it, so a row carrying one is refused by the
 *   database, and takes every other row of its statement with it;
 * - lone surrogates (half of a UTF-16 pair): not Unicode at all; encoded as UTF-8 they silently
 *   become U+FFFD, so what is read back differs from what was written;
 * - the other control characters (C0 and C1), except tab and line breaks where text may span
 *   lines: invisible, and meaningful to terminals and parsers downstream;
 * - bidirectional embedding, override and isolate controls: they reorder how the text after them
 *   is displayed (the "Trojan Source" trick), so a name could show as something it is not;
 * - the noncharacters U+FFFE and U+FFFF.
 * Such text is refused where it enters (a 400 naming the field, a line in the rejects report),
 * never cleaned up silently.
 */

// With the `u` flag a well-formed surrogate pair is one code point, so \p{Cs} finds only lone halves.
const unsafeInLine = /[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]/u;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const unsafeInText = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\p{Cs}\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]/u;

function describe(character: string): string {
  const code = character.codePointAt(0)!;
  const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code === 0) return `${name} (NUL)`;
  if (code >= 0xd800 && code <= 0xdfff) return `${name} (half of a surrogate pair: not valid Unicode)`;
  if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069))
    return `${name} (a bidirectional control character)`;
  if (code === 0xfffe || code === 0xffff) return `${name} (a Unicode noncharacter)`;
  return `${name} (a control character)`;
}

/**
 * Why the text cannot be stored, or undefined when it can. `multiline` allows tab, line feed and
 * carriage return (a description); otherwise the text is one line (a name, an id).
 */
export function unsafeTextProblem(text: string, { multiline = false } = {}): string | undefined {
  const found = (multiline ? unsafeInText : unsafeInLine).exec(text);
  return found ? `contains ${describe(found[0])}, which cannot be stored` : undefined;
}

/** True when the text has nothing unsafeTextProblem would refuse (the cheap check for hot paths). */
export function isSafeText(text: string, { multiline = false } = {}): boolean {
  return !(multiline ? unsafeInText : unsafeInLine).test(text);
}
