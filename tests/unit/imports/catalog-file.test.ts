// Streaming a catalog CSV into chunks of valid rows and rejected rows, with real streams.
import { Readable } from 'node:stream';
import { splitCatalogFile, type CatalogFileSink } from '../../../shared/imports/catalog-file';
import { ImportFileError } from '../../../shared/imports/catalog-row';
import type { ImportChunk } from '../../../shared/imports/import-chunk';
import { csvFile, csvHeader, csvLine, importId, RecordingSink, streamOf } from './import-fixtures';

const split = (content: string | Buffer | Readable, limits?: { maxRows: number; maxBytes: number }) => {
  const sink = new RecordingSink();
  const source = content instanceof Readable ? content : streamOf(content);
  return splitCatalogFile(source, importId, sink, limits).then((result) => ({ result, sink }));
};

async function fileError(content: string | Buffer): Promise<{ error: unknown; sink: RecordingSink }> {
  const sink = new RecordingSink();
  const error = await splitCatalogFile(streamOf(content), importId, sink).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, sink };
}

describe('splitCatalogFile: reading the file', () => {
  it('passes the header to the sink first, then the rows as normalised products in a chunk', async () => {
    const { result, sink } = await split(csvFile(csvLine('tea-a', '12.5', 3), csvLine('tea-b', '0.05', 0)));

    expect(sink.calls).toEqual(['begin', 'chunk 1']);
    expect(sink.header).toEqual(csvHeader.split(','));
    expect(sink.chunks).toEqual([
      {
        importId,
        chunk: 1,
        rows: [
          {
            row: 1,
            sku: 'TEA-A',
            name: 'Product tea-a',
            description: 'Made for tests',
            category: 'tea',
            priceCents: 1250,
            currency: 'EUR',
            stock: 3,
          },
          {
            row: 2,
            sku: 'TEA-B',
            name: 'Product tea-b',
            description: 'Made for tests',
            category: 'tea',
            priceCents: 5,
            currency: 'EUR',
            stock: 0,
          },
        ],
      },
    ]);
    expect(result).toEqual({ rowsRead: 2, rowsRejected: 0, chunks: 1 });
  });

  it('strips a UTF-8 BOM and reads CRLF and LF line endings, mixed in one file', async () => {
    // description is the last column, so a stray \r would show in it.
    const content =
      '\uFEFFsku,name,category,price,currency,stock,description\r\n' +
      'A-1,First,tea,1,EUR,1,crlf\r\n' +
      'A-2,Second,tea,2,EUR,2,lf\n' +
      'A-3,Third,tea,3,EUR,3,crlf again\r\n';

    const { result, sink } = await split(content);

    expect(sink.header).toEqual(['sku', 'name', 'category', 'price', 'currency', 'stock', 'description']);
    expect(sink.rows.map((r) => [r.row, r.sku, r.description])).toEqual([
      [1, 'A-1', 'crlf'],
      [2, 'A-2', 'lf'],
      [3, 'A-3', 'crlf again'],
    ]);
    expect(sink.rejects).toEqual([]);
    expect(result).toEqual({ rowsRead: 3, rowsRejected: 0, chunks: 1 });
  });

  it('reads quoted fields holding commas, doubled quotes and newlines', async () => {
    const content = csvFile(
      'Q-1,"Sencha, ""first flush""","line one\nline two, with comma",tea,1,EUR,1',
      csvLine('Q-2'),
    );

    const { sink } = await split(content);

    expect(sink.rows.map((r) => [r.row, r.sku, r.name, r.description])).toEqual([
      [1, 'Q-1', 'Sencha, "first flush"', 'line one\nline two, with comma'],
      [2, 'Q-2', 'Product Q-2', 'Made for tests'],
    ]);
  });

  it('counts a quoted field spanning lines as one row, and reports the line the row ends on', async () => {
    const content = csvFile('M-1,Two lines,"two\nlines",tea,1,EUR,1', 'M-2,Bad,,tea,abc,EUR,1');

    const { sink } = await split(content);

    expect(sink.rows.map((r) => r.row)).toEqual([1]);
    expect(sink.rejects).toEqual([
      {
        row: 2,
        line: 4,
        reason: expect.stringMatching(/^price "abc"/),
        fields: ['M-2', 'Bad', '', 'tea', 'abc', 'EUR', '1'],
      },
    ]);
  });

  it('skips blank lines without counting them as rows (row numbers are data rows, lines are file lines)', async () => {
    const content = `\n${csvHeader}\n\n${csvLine('B-1')}\n\n\n${csvLine('B-2')}\n\n${csvLine('B-3', 'oops')}\n\n`;

    const { result, sink } = await split(content);

    expect(sink.rows.map((r) => [r.row, r.sku])).toEqual([
      [1, 'B-1'],
      [2, 'B-2'],
    ]);
    expect(sink.rejects.map((r) => [r.row, r.line])).toEqual([[3, 9]]);
    expect(result).toEqual({ rowsRead: 3, rowsRejected: 1, chunks: 1 });
  });

  it('keeps unicode text intact, even when a multi-byte character is split between stream pieces', async () => {
    const content = csvFile('U-1,玉露 Gyokuro – première 🍵,Ünïcödé,tea,1,JPY,1');

    // One byte at a time: every multi-byte character arrives in pieces.
    const { sink } = await split(streamOf(content, 1));

    expect(sink.rejects).toEqual([]);
    expect(sink.rows).toEqual([
      expect.objectContaining({ name: '玉露 Gyokuro – première 🍵', description: 'Ünïcödé' }),
    ]);
  });

  it('gives the same rows whatever the size of the pieces the stream delivers', async () => {
    const content = csvFile(
      ...Array.from({ length: 30 }, (_, i) => csvLine(`P-${i + 1}`)),
      'P-X,"quoted, with comma","with\r\nnewline",tea,1,EUR,1',
      'P-Y,short',
    );

    const whole = await split(content, { maxRows: 7, maxBytes: 60 * 1024 });
    const bytewise = await split(streamOf(content, 3), { maxRows: 7, maxBytes: 60 * 1024 });

    expect(bytewise.sink.chunks).toEqual(whole.sink.chunks);
    expect(bytewise.sink.rejects).toEqual(whole.sink.rejects);
    expect(bytewise.result).toEqual(whole.result);
    expect(whole.result).toEqual({ rowsRead: 32, rowsRejected: 1, chunks: 5 });
  });

  it('rejects a row whose bytes are not UTF-8, and reads the rest', async () => {
    const content = Buffer.concat([
      Buffer.from(`${csvHeader}\nX-1,Bad `),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`,,tea,1,EUR,1\n${csvLine('X-2')}\n`),
    ]);

    const { result, sink } = await split(content);

    expect(sink.rejects).toEqual([expect.objectContaining({ row: 1, line: 2, reason: 'the row is not valid UTF-8' })]);
    expect(sink.rows.map((r) => r.sku)).toEqual(['X-2']);
    expect(result).toEqual({ rowsRead: 2, rowsRejected: 1, chunks: 1 });
  });

  it('reads a UTF-16 file that opens with its byte-order mark (left to csv-parse by the fast reader)', async () => {
    const content = Buffer.from(`\uFEFF${csvFile(csvLine('W-1'), 'W-2,Short')}`, 'utf16le');

    const { result, sink } = await split(streamOf(content, 1));

    expect(sink.rows.map((r) => [r.row, r.sku, r.name])).toEqual([[1, 'W-1', 'Product W-1']]);
    expect(sink.rejects).toEqual([expect.objectContaining({ row: 2, reason: 'has 2 fields, the header has 7' })]);
    expect(result).toEqual({ rowsRead: 2, rowsRejected: 1, chunks: 1 });
  });

  it('keeps a stray quote inside an unquoted field as text, without swallowing the rows after it', async () => {
    const content = csvFile('SQ-1,12" tray,a "quoted" word,tea,1,EUR,1', csvLine('SQ-2'));

    const { result, sink } = await split(content);

    expect(sink.rows.map((r) => [r.sku, r.name, r.description])).toEqual([
      ['SQ-1', '12" tray', 'a "quoted" word'],
      ['SQ-2', 'Product SQ-2', 'Made for tests'],
    ]);
    expect(result).toEqual({ rowsRead: 2, rowsRejected: 0, chunks: 1 });
  });

  it('keeps a SQL-looking name verbatim', async () => {
    const name = `Robert'); DROP TABLE products;-- "x"`;
    const content = csvFile(`S-1,"Robert'); DROP TABLE products;-- ""x""",,tea,1,EUR,1`);

    const { sink } = await split(content);

    expect(sink.rows).toEqual([expect.objectContaining({ sku: 'S-1', name })]);
  });

  it('ignores unknown columns and reads the known ones wherever they are', async () => {
    const content = 'notes,STOCK,Price,sku,name,category,currency\nfoo,4,3.5,w-1,Whisk,tools,usd\n';

    const { sink } = await split(content);

    expect(sink.rows).toEqual([
      {
        row: 1,
        sku: 'W-1',
        name: 'Whisk',
        description: '',
        category: 'tools',
        priceCents: 350,
        currency: 'USD',
        stock: 4,
      },
    ]);
  });
});

describe('splitCatalogFile: rejects', () => {
  it('rejects a row with the wrong number of fields, with its row, line and fields', async () => {
    const content = csvFile(csvLine('F-1'), 'F-2,Short,,tea,1,EUR', csvLine('F-3'));

    const { result, sink } = await split(content);

    expect(sink.rejects).toEqual([
      { row: 2, line: 3, reason: 'has 6 fields, the header has 7', fields: ['F-2', 'Short', '', 'tea', '1', 'EUR'] },
    ]);
    expect(sink.rows.map((r) => [r.row, r.sku])).toEqual([
      [1, 'F-1'],
      [3, 'F-3'],
    ]);
    expect(result).toEqual({ rowsRead: 3, rowsRejected: 1, chunks: 1 });
  });

  it('rejects a row with too many fields', async () => {
    const { sink } = await split(csvFile(`${csvLine('F-1')},extra`));

    expect(sink.rejects).toEqual([expect.objectContaining({ row: 1, reason: 'has 8 fields, the header has 7' })]);
    expect(sink.chunks).toEqual([]);
  });

  it('rejects a row that breaks a rule, with the reason naming the column', async () => {
    const { sink } = await split(csvFile(csvLine('R-1', '1.999'), 'R-2,Name,,tea,1,XYZ,1', 'R-3,Name,,tea,1,EUR,-1'));

    expect(sink.rejects.map((r) => [r.row, r.reason.split(' ')[0]])).toEqual(
      expect.arrayContaining([
        [1, 'price'],
        [2, 'currency'],
        [3, 'stock'],
      ]),
    );
    expect(sink.rejects).toHaveLength(3);
    expect(sink.rejects[0]!.fields).toHaveLength(7);
  });

  it('rejects an unclosed quote at the end of the file once, after the rows before it', async () => {
    const content = csvFile(csvLine('E-1'), csvLine('E-2'), 'E-3,"never closed,,tea,1,EUR,1', csvLine('E-4'));

    const { result, sink } = await split(content);

    expect(sink.rows.map((r) => r.sku)).toEqual(['E-1', 'E-2']);
    expect(sink.rejects).toEqual([
      { row: 3, line: expect.any(Number), reason: expect.stringContaining('never closed'), fields: [] },
    ]);
    expect(result).toEqual({ rowsRead: 3, rowsRejected: 1, chunks: 1 });
  });

  it('passes rejected rows to the sink in file order', async () => {
    // Row 2 breaks a rule (found by the consumer), row 3 has the wrong field count (found by the
    // parser, which has already read ahead): the rejects report should still list 2 before 3.
    const content = csvFile(csvLine('O-1'), csvLine('O-2', 'abc'), 'O-3,Short,,tea,1,EUR', csvLine('O-4'));

    const { sink } = await split(content);

    expect(sink.rejects.map((r) => r.row)).toEqual([2, 3]);
  });
});

describe('splitCatalogFile: files that cannot be imported', () => {
  it('fails the file at a row longer than 64 KiB (an unclosed quote), passing on nothing after it', async () => {
    const content = csvFile(csvLine('L-1'), `L-2,"${'x'.repeat(70 * 1024)}",,tea,1,EUR,1`, csvLine('L-3'));

    const { error, sink } = await fileError(content);

    expect(error).toBeInstanceOf(ImportFileError);
    expect((error as Error).message).toMatch(/^Row 2 is longer than 64 KiB \(at line \d+\), the most a row may be/);
    expect(sink.rejects).toEqual([]);
    expect(sink.rows.map((r) => r.sku)).not.toContain('L-3');
  });

  it('fails a file without line breaks once, instead of rejecting each piece of it again (a gzip bomb)', async () => {
    // 4 MiB of one character after the header, in the 16 KiB pieces gunzip delivers: csv-parse
    // starts again mid-record after each overflow, which made one reject per piece.
    const content = Buffer.concat([Buffer.from(`${csvHeader}\n`), Buffer.alloc(4 * 1024 * 1024, 'a')]);
    const sink = new RecordingSink();

    const error = await splitCatalogFile(streamOf(content, 16 * 1024), importId, sink).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ImportFileError);
    expect((error as Error).message).toMatch(/^Row 1 is longer than 64 KiB/);
    expect(sink.rejects).toEqual([]);
    expect(sink.chunks).toEqual([]);
  });

  it('fails a file whose header row is longer than 64 KiB', async () => {
    const { error, sink } = await fileError(`sku,${'n'.repeat(70 * 1024)}\n${csvLine('H-1')}\n`);

    expect(error).toBeInstanceOf(ImportFileError);
    expect((error as Error).message).toMatch(/^The header row is longer than 64 KiB/);
    expect(sink.calls).toEqual([]);
  });

  it('refuses a header without a required column before passing anything on', async () => {
    const { error, sink } = await fileError('sku,name,category,price,stock\nA,n,tea,1,1\n');

    expect(error).toBeInstanceOf(ImportFileError);
    expect((error as Error).message).toContain('lacks the column currency');
    expect(sink.calls).toEqual([]);
  });

  it.each([
    ['an empty file', ''],
    ['a file of blank lines', '\n\n\r\n'],
    ['a file holding only a BOM', '\uFEFF'],
  ])('refuses %s', async (_, content) => {
    const { error, sink } = await fileError(content);

    expect(error).toBeInstanceOf(ImportFileError);
    expect((error as Error).message).toMatch(/empty/);
    expect(sink.calls).toEqual([]);
  });

  it('reads a file with a header and no rows as zero rows', async () => {
    const { result, sink } = await split(`${csvHeader}\n`);

    expect(result).toEqual({ rowsRead: 0, rowsRejected: 0, chunks: 0 });
    expect(sink.calls).toEqual(['begin']);
  });

  it('does not call a file whose header has an unclosed quote empty', async () => {
    const { error } = await fileError(`"sku,name,description,category,price,currency,stock\n${csvLine('H-1')}\n`);

    expect(error).toBeInstanceOf(ImportFileError);
    // The admin is told "The file is empty: it has no header row" about a file that has one.
    expect((error as Error).message).not.toMatch(/empty/);
  });
});

describe('splitCatalogFile: chunks', () => {
  const lines = (n: number) => Array.from({ length: n }, (_, i) => csvLine(`C-${i + 1}`));

  it('cuts chunks at maxRows, numbering them from 1 and keeping the rows in file order', async () => {
    const { result, sink } = await split(csvFile(...lines(7)), { maxRows: 3, maxBytes: 60 * 1024 });

    expect(sink.chunks.map((c) => [c.importId, c.chunk, c.rows.map((r) => r.row)])).toEqual([
      [importId, 1, [1, 2, 3]],
      [importId, 2, [4, 5, 6]],
      [importId, 3, [7]],
    ]);
    expect(result).toEqual({ rowsRead: 7, rowsRejected: 0, chunks: 3 });
  });

  it('does not send an empty last chunk when the rows fill the chunks exactly', async () => {
    const { result, sink } = await split(csvFile(...lines(6)), { maxRows: 3, maxBytes: 60 * 1024 });

    expect(sink.chunks.map((c) => c.rows.length)).toEqual([3, 3]);
    expect(result.chunks).toBe(2);
  });

  it('cuts chunks at maxBytes of JSON', async () => {
    const maxBytes = 500;

    const { result, sink } = await split(csvFile(...lines(20)), { maxRows: 1000, maxBytes });

    expect(sink.chunks.length).toBeGreaterThan(2);
    expect(result.chunks).toBe(sink.chunks.length);
    for (const chunk of sink.chunks) {
      expect(Buffer.byteLength(JSON.stringify(chunk.rows))).toBeLessThanOrEqual(maxBytes);
    }
    expect(sink.rows.map((r) => r.row)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('numbers rows by data row, skipping none for rejects, and rowsRead = valid + rejected', async () => {
    const content = csvFile(
      csvLine('N-1'),
      'N-2,bad,,tea,x,EUR,1',
      csvLine('N-3'),
      'N-4,short',
      csvLine('N-5'),
      csvLine('N-6'),
    );

    const { result, sink } = await split(content, { maxRows: 2, maxBytes: 60 * 1024 });

    expect(sink.rows.map((r) => [r.row, r.sku])).toEqual([
      [1, 'N-1'],
      [3, 'N-3'],
      [5, 'N-5'],
      [6, 'N-6'],
    ]);
    expect(sink.rejects.map((r) => r.row).sort((a, b) => a - b)).toEqual([2, 4]);
    expect(sink.chunks.map((c) => c.rows.map((r) => r.row))).toEqual([
      [1, 3],
      [5, 6],
    ]);
    expect(result).toEqual({ rowsRead: 6, rowsRejected: 2, chunks: 2 });
    expect(result.rowsRead).toBe(sink.rows.length + sink.rejects.length);
  });
});

describe('splitCatalogFile: back-pressure', () => {
  const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('waits for each sink call to finish before the next (never more than one at a time)', async () => {
    let active = 0;
    let mostActive = 0;
    const order: string[] = [];
    const slow = async (what: string) => {
      active++;
      mostActive = Math.max(mostActive, active);
      await delay(2);
      order.push(what);
      active--;
    };
    const sink: CatalogFileSink = {
      begin: () => slow('begin'),
      chunk: (chunk: ImportChunk) => slow(`chunk ${chunk.chunk}`),
      reject: (rejected) => slow(`reject ${rejected.row}`),
    };
    const content = csvFile(...Array.from({ length: 40 }, (_, i) => csvLine(`K-${i + 1}`, i % 7 === 3 ? 'x' : '1')));

    const result = await splitCatalogFile(streamOf(content, 64), importId, sink, { maxRows: 4, maxBytes: 60 * 1024 });

    expect(mostActive).toBe(1);
    expect(order[0]).toBe('begin');
    expect(order.filter((o) => o.startsWith('chunk'))).toHaveLength(result.chunks);
    expect(order.filter((o) => o.startsWith('reject'))).toHaveLength(result.rowsRejected);
    expect(result.rowsRejected).toBe(6);
  });

  it('stops reading the file while a chunk is being taken', async () => {
    const total = 5_000;
    let linesPulled = 0;
    function* file() {
      yield `${csvHeader}\n`;
      for (let i = 1; i <= total; i++) {
        linesPulled++;
        yield `${csvLine(`BP-${i}`)}\n`;
      }
    }
    let pulledWhenFirstChunkTaken: number | undefined;
    const sink: CatalogFileSink = {
      begin: () => undefined,
      chunk: async (chunk) => {
        if (chunk.chunk === 1) {
          await delay(50);
          pulledWhenFirstChunkTaken = linesPulled;
        }
      },
      reject: () => Promise.reject(new Error('no rejects expected')),
    };

    const result = await splitCatalogFile(Readable.from(file()), importId, sink, { maxRows: 10, maxBytes: 60 * 1024 });

    expect(result).toEqual({ rowsRead: total, rowsRejected: 0, chunks: total / 10 });
    expect(linesPulled).toBe(total);
    // While the sink held the first chunk, only what fits in the streams' buffers had been read.
    expect(pulledWhenFirstChunkTaken).toBeLessThan(total / 2);
  });

  it('passes on an error thrown by the sink and stops', async () => {
    const chunks: number[] = [];
    const sink: CatalogFileSink = {
      begin: () => undefined,
      chunk: (chunk) => {
        chunks.push(chunk.chunk);
        return chunk.chunk === 2 ? Promise.reject(new Error('queue down')) : Promise.resolve();
      },
      reject: () => Promise.resolve(),
    };
    const content = csvFile(...Array.from({ length: 50 }, (_, i) => csvLine(`Z-${i + 1}`)));

    await expect(
      splitCatalogFile(streamOf(content), importId, sink, { maxRows: 5, maxBytes: 60 * 1024 }),
    ).rejects.toThrow('queue down');
    expect(chunks).toEqual([1, 2]);
  });
});
