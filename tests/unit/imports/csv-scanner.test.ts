// The fast CSV scanner against csv-parse, the reader it replaces: the same records, line numbers,
// skipped records and failures on generated tricky files, however the stream cuts them.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse, type CsvError } from 'csv-parse';
import { csvOptions } from '../../../shared/imports/catalog-file';
import { CsvScanner, type CsvScanError } from '../../../shared/imports/csv-scanner';
import { random } from './import-fixtures';

type Seen = (string | number | string[] | null)[];

/** What a reader reports: records with their line, skips with their code, line and fields, a failure. */
async function read(reader: 'csv-parse' | 'scanner', pieces: Buffer[], maxRecordSize: number): Promise<Seen[]> {
  const seen: Seen[] = [];
  const onRecord = (fields: string[], context: { lines: number }) => {
    seen.push(['record', context.lines, fields]);
    return undefined;
  };
  const onSkip = (error: CsvError | CsvScanError | undefined) => {
    if (!error) return undefined;
    seen.push([
      'skip',
      error.code,
      (error.lines as number | undefined) ?? null,
      (error.record as string[] | undefined) ?? null,
    ]);
    if (error.code === 'CSV_MAX_RECORD_SIZE') throw new Error('too long');
    return undefined;
  };
  const parser =
    reader === 'csv-parse'
      ? parse({
          ...csvOptions,
          max_record_size: maxRecordSize,
          on_record: onRecord,
          on_skip: onSkip,
        })
      : new CsvScanner({ maxRecordSize, onRecord, onSkip });
  await pipeline(Readable.from(pieces), parser, async (records: AsyncIterable<unknown>) => {
    for await (const _ of records) seen.push(['pushed']);
  }).catch((error: unknown) => seen.push(['failed', (error as Error).message === 'too long' ? 'too long' : 'other']));
  return seen;
}

// What catalog files are made of, weighted towards the characters that change the parser's state.
const tokens: (string | Buffer)[] = [
  'a',
  'bc',
  'SKU-1',
  ' ',
  ',',
  ',',
  '"',
  '"',
  '""',
  '\n',
  '\n',
  '\r\n',
  '\r',
  '\0',
  'é',
  '🍵',
  Buffer.from([0xff]),
  Buffer.from([0xe2, 0x82]),
];

function tricky(next: () => number): Buffer {
  const parts: Buffer[] = [];
  const roll = next();
  if (roll < 0.15) parts.push(Buffer.from('\uFEFF'));
  else if (roll < 0.2) parts.push(Buffer.from([0xef, 0xbb]));
  // A header of three fields, so that most rows are valid and the field count is exercised.
  if (next() < 0.7) parts.push(Buffer.from('x,y,z\n'));
  const count = Math.floor(next() * 40);
  for (let i = 0; i < count; i++) {
    const token = tokens[Math.floor(next() * tokens.length)]!;
    parts.push(typeof token === 'string' ? Buffer.from(token) : token);
  }
  return Buffer.concat(parts);
}

const cut = (bytes: Buffer, at: number[]) =>
  [0, ...at, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end));

describe('CsvScanner reads as csv-parse does with the catalog options', () => {
  it.each([
    ['plain rows, LF', 'sku,name\nA,1\nB,2\n'],
    ['CRLF, LF and a lone CR, mixed', 'sku,name\r\nA,1\nB,x\ry\r\n\r\nC,3'],
    ['quoted fields with commas, doubled quotes and line breaks', 'a,b\n"x,1","say ""hi"""\n"two\r\nlines",z\n'],
    ['stray quotes (relax_quotes)', 'a,b\n12" tray,"ab"c\n"x"y"z",w\n""x,"a""\n'],
    ['a NUL byte after a closing quote and inside fields', 'a,b\n"x"\0y,1\n\0,"\0"\nc,d\n'],
    ['a quote never closed', 'a,b\nc,d\n"open,e\nf,g\n'],
    ['wrong field counts and blank lines', '\n\na,b,c\n\r\nd,e\nf,g,h,i\n\n,,\n'],
    ['a BOM and multibyte text', '\uFEFFa,b\n玉露,🍵\n"é,è",ü\n'],
    ['an overlong record', 'a,b\nc,d\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx,1\ne,f\n'],
    ['an overlong quoted record', 'a,b\n"xxxxxxxxxxxxxxx""xxxxxxxxxxxx\nxxxxxxxxxxxxxxx",1\n'],
    ['many commas (never too long: only field bytes count)', `a,b\n${','.repeat(100)}\n`],
  ])('%s, cut at every byte', async (_, text) => {
    const bytes = Buffer.from(text);
    const expected = await read('csv-parse', [bytes], 32);
    expect(expected.length).toBeGreaterThan(0);
    for (let at = 1; at < bytes.length; at++) {
      expect(await read('scanner', cut(bytes, [at]), 32)).toEqual(expected);
    }
    expect(await read('scanner', cut(bytes, [...Array(bytes.length).keys()].slice(1)), 32)).toEqual(expected);
  });

  it('gives the same records, lines, skips and failures on 400 generated files, cut anywhere', async () => {
    const next = random(12);
    for (let i = 0; i < 400; i++) {
      const bytes = tricky(next);
      const max = 4 + Math.floor(next() * 40);
      const cuts = Array.from({ length: Math.floor(next() * 4) }, () => Math.floor(next() * bytes.length))
        .filter((at) => at > 0)
        .sort((a, b) => a - b);
      const expected = await read('csv-parse', cut(bytes, cuts), max);
      const whole = await read('scanner', [bytes], max);
      const pieces = await read('scanner', cut(bytes, cuts), max);
      const bytewise = await read('scanner', cut(bytes, [...Array(bytes.length).keys()].slice(1)), max);
      const input = JSON.stringify(bytes.toString('latin1'));
      expect({ input, max, seen: whole }).toEqual({ input, max, seen: expected });
      expect({ input, max, seen: pieces }).toEqual({ input, max, seen: expected });
      expect({ input, max, seen: bytewise }).toEqual({ input, max, seen: expected });
    }
  });
});
