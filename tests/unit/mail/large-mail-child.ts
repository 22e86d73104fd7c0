// Run by large-mail.test.ts in a child process whose heap is limited: reads one mail of nearly SES's
// 40 MB (built straight into a Buffer, so that building it takes no heap) and prints the note.
import { restockNoteOf } from '../../../shared/catalog/restock';

const size = 38 * 1024 * 1024;

/** `head`, then `pattern` repeated up to `tail`, which ends the 38 MB. */
function mail(head: string, pattern: string, tail = ''): Buffer {
  const raw = Buffer.alloc(size);
  const start = raw.write(head, 'latin1');
  raw.fill(pattern, start, size - tail.length, 'latin1');
  raw.write(tail, size - tail.length, 'latin1');
  return raw;
}

const depth = 7;
const levels = Array.from({ length: depth }, (_, i) => `b${i}`);
const mails: Record<string, () => Buffer> = {
  // 4.4 million "SKU quantity" lines.
  'many lines': () => mail('Content-Type: text/plain\r\n\r\n', 'TEA-1 2\r\n'),
  // One quoted-printable line of 38 MB (soft line breaks join them).
  'quoted-printable': () =>
    mail('Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n', `${'x'.repeat(74)}=\r\n`),
  // A note, and a 38 MB attachment seven multiparts deep.
  'nested attachment': () =>
    mail(
      levels
        .map(
          (b) =>
            `Content-Type: multipart/mixed; boundary=${b}\r\n\r\n--${b}\r\nContent-Type: text/plain\r\n\r\n--${b}\r\n`,
        )
        .join('')
        .replace('text/plain\r\n\r\n', 'text/plain\r\n\r\nTEA-1 2\r\n') +
        'Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n',
      `${'QUJD'.repeat(19)}\r\n`,
      `\r\n${[...levels]
        .reverse()
        .map((b) => `--${b}--\r\n`)
        .join('')}`,
    ),
};

const note = restockNoteOf(mails[process.argv[2]!]!());
process.stdout.write(JSON.stringify({ lines: note.lines.length, refused: note.refused.map((r) => r.reason) }));
