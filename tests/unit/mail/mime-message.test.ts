// The small MIME reader (shared/mail/mime-message.ts), checked against mailparser (the parser
// aws-ses-v2-local brings along): the same text and the same attachments from the same messages.
import { headerValue, leafParts, MimeError, parseMime, partBody, partText } from '../../../shared/mail/mime-message';

// mailparser has no types of its own; only what the comparison reads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { simpleParser } = require('mailparser') as {
  simpleParser: (raw: Buffer) => Promise<{
    text?: string;
    attachments: { contentType: string; filename?: string; content: Buffer }[];
  }>;
};

const crlf = (...lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

const messages: Record<string, Buffer> = {
  'plain 7bit, no Content-Type': crlf('From: a@example.com', 'Subject: s', '', 'TEA-1 2', 'TEA-2 3', ''),
  'quoted-printable UTF-8 with soft line breaks': crlf(
    'Content-Type: text/plain; charset="UTF-8"',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Th=C3=A9 vert 4 =E2=80=94 a line that goes on and on and on and on and on and=',
    ' on',
    'TEA-1 =3D 2',
    '',
  ),
  'latin1 text, LF line endings': Buffer.from(
    'Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\nCaf\xe9 1\n',
    'latin1',
  ),
  'multipart/mixed: alternative text and html, a base64 CSV': crlf(
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    'This is a multi-part message in MIME format.',
    '--outer',
    'Content-Type: multipart/alternative; boundary=inner',
    '',
    '--inner',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'See the file.',
    '--inner',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>See the file.</p>',
    '--inner--',
    '--outer',
    'Content-Type: text/csv; name="stock.csv"',
    'Content-Disposition: attachment;',
    ' filename="stock.csv"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('sku,quantity\r\nTEA-1,5\r\n')
      .toString('base64')
      .replace(/(.{16})/g, '$1\r\n'),
    '--outer--',
    'epilogue',
  ),
  'boundary look-alikes, padding after a delimiter, quoted-printable hex in lower case, LF endings': Buffer.from(
    [
      'Content-Type: multipart/mixed; boundary="=_b"',
      '',
      'preamble --=_b not a delimiter',
      '--=_b  ',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'TEA-1 2 caf=c3=a9 =ZZ =',
      '--=_bX is text, not a delimiter',
      ' --=_b neither',
      '--=_b',
      'Content-Type: text/csv',
      'Content-Disposition: attachment; filename=s.csv',
      '',
      'sku,quantity',
      'TEA-1,5',
      '--=_b--\t',
      '',
    ].join('\n'),
    'latin1',
  ),
};

describe('parseMime, as mailparser reads the same messages', () => {
  it.each(Object.entries(messages))('%s', async (_name, raw) => {
    const expected = await simpleParser(raw);
    const leaves = leafParts(parseMime(raw));
    const text = leaves.find((p) => p.contentType === 'text/plain' && p.disposition !== 'attachment');
    expect(partText(text!).replace(/\r\n/g, '\n').trimEnd()).toBe(expected.text!.trimEnd());
    const attachments = leaves.filter((p) => p.disposition === 'attachment');
    expect(
      attachments.map((p) => ({ contentType: p.contentType, filename: p.filename, content: partBody(p) })),
    ).toEqual(
      expected.attachments.map((a) => ({ contentType: a.contentType, filename: a.filename, content: a.content })),
    );
  });
});

describe('parseMime', () => {
  it('reads header parameters, quoted or not', () => {
    expect(headerValue('Text/CSV; charset="utf-8"; name=a;b.csv')).toEqual({
      value: 'text/csv',
      parameters: { charset: 'utf-8', name: 'a' },
    });
    expect(headerValue('attachment; filename="a \\"b\\"; c.csv"')).toEqual({
      value: 'attachment',
      parameters: { filename: 'a "b"; c.csv' },
    });
  });

  it('refuses what it cannot read instead of guessing', () => {
    const refusal = (raw: Buffer) => {
      try {
        leafParts(parseMime(raw)).forEach(partText);
        return undefined;
      } catch (error) {
        return error instanceof MimeError ? error.message : String(error);
      }
    };
    expect(refusal(crlf('Content-Type: multipart/mixed', '', 'x'))).toBe('a multipart/mixed without a boundary');
    expect(refusal(crlf('Content-Transfer-Encoding: uuencode', '', 'x'))).toBe(
      'unknown Content-Transfer-Encoding uuencode',
    );
    expect(refusal(crlf('Content-Type: text/plain; charset=klingon', '', 'x'))).toBe('unknown charset klingon');
    let nested = 'TEA-1 2';
    for (let i = 0; i < 10; i++)
      nested = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${nested}\r\n--b${i}--`;
    expect(refusal(Buffer.from(nested))).toBe('multiparts nested deeper than 8');
  });
});
