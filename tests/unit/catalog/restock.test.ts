// Restock notes (shared/catalog/restock.ts): reading a supplier's lines, deciding what the stock
// found allows, and the answer the supplier gets. No database: the store is a fake that hands
// `decide` the stock it was given, as the PostgreSQL store does inside its transaction.
import {
  decideRestock,
  maxNoteLines,
  parseRestockNote,
  restock,
  restockAnswer,
  restockNoteOf,
  type RestockDeps,
  type RestockResult,
  type RestockStore,
} from '../../../shared/catalog/restock';

const mail = (headers: string[], body: string) => Buffer.from([...headers, '', body].join('\r\n'));

describe('parseRestockNote', () => {
  it('reads "SKU quantity" lines, with spaces, tabs, commas or semicolons, and normalises SKUs as an admin\'s', () => {
    expect(parseRestockNote('tea-sencha 12\nTEA-EARL-GREY,6\r\nMUG-1;\t3\n"POT-2","4"')).toEqual({
      lines: [
        { line: 1, sku: 'TEA-SENCHA', quantity: 12 },
        { line: 2, sku: 'TEA-EARL-GREY', quantity: 6 },
        { line: 3, sku: 'MUG-1', quantity: 3 },
        { line: 4, sku: 'POT-2', quantity: 4 },
      ],
      refused: [],
    });
  });

  it('skips blank and quoted lines and a CSV header, and stops at the signature', () => {
    const note = parseRestockNote('sku,quantity\n\nTEA-1 2\n> TEA-2 5 (our last answer)\n-- \nTEA-3 1');
    expect(note).toEqual({ lines: [{ line: 3, sku: 'TEA-1', quantity: 2 }], refused: [] });
  });

  it('refuses each line it cannot take, saying why, and keeps the others', () => {
    const note = parseRestockNote(
      ['Hello there friends', 'TEA/1 2', 'TEA-1 0', 'TEA-1 2.5', 'TEA-1 1000001', 'TEA-1 3', 'tea-1 4'].join('\n'),
    );
    expect(note.lines).toEqual([{ line: 6, sku: 'TEA-1', quantity: 3 }]);
    expect(note.refused).toEqual([
      { line: 1, text: 'Hello there friends', reason: 'is not "SKU quantity"' },
      { line: 2, text: 'TEA/1 2', reason: 'SKU must be 1-40 letters, digits or dashes' },
      { line: 3, text: 'TEA-1 0', reason: 'quantity must be a whole number from 1 to 1000000' },
      { line: 4, text: 'TEA-1 2.5', reason: 'quantity must be a whole number from 1 to 1000000' },
      { line: 5, text: 'TEA-1 1000001', reason: 'quantity must be a whole number from 1 to 1000000' },
      { line: 7, text: 'tea-1 4', reason: 'TEA-1 is already on line 6' },
    ]);
  });

  it('quotes a refused line without its control characters, at most 100 characters of it', () => {
    const [refused] = parseRestockNote(`TEA\u0000-1 2\t\u0007 x\n${'A'.repeat(150)}`).refused;
    expect(refused).toEqual({ line: 1, text: 'TEA?-1 2?? x', reason: 'is not "SKU quantity"' });
    expect(parseRestockNote('B'.repeat(150)).refused[0]!.text).toHaveLength(100);
  });

  it(`refuses a note of more than ${maxNoteLines} lines whole`, () => {
    const note = parseRestockNote(Array.from({ length: maxNoteLines + 1 }, (_, i) => `SKU-${i} 1`).join('\n'));
    expect(note.lines).toEqual([]);
    expect(note.refused).toEqual([{ line: 0, text: '', reason: expect.stringMatching(/1001 lines, more than 1000/) }]);
  });
});

describe('restockNoteOf', () => {
  it('reads a plain text mail', () => {
    const note = restockNoteOf(mail(['Subject: x'], 'TEA-1 2\r\n'));
    expect(note.lines).toEqual([{ line: 1, sku: 'TEA-1', quantity: 2 }]);
  });

  it('takes the CSV attachment over the covering letter', () => {
    const csv = Buffer.from('sku,quantity\r\nTEA-1,5\r\nTEA-2,7\r\n').toString('base64');
    const message = mail(
      ['Content-Type: multipart/mixed; boundary="b1"'],
      [
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Please find the list attached.',
        '--b1',
        'Content-Type: text/csv; name="stock.csv"',
        'Content-Disposition: attachment; filename="stock.csv"',
        'Content-Transfer-Encoding: base64',
        '',
        csv,
        '--b1--',
      ].join('\r\n'),
    );
    expect(restockNoteOf(message)).toEqual({
      lines: [
        { line: 2, sku: 'TEA-1', quantity: 5 },
        { line: 3, sku: 'TEA-2', quantity: 7 },
      ],
      refused: [],
    });
  });

  it('refuses a mail it cannot read, or with nothing to read, whole', () => {
    const whole = (raw: Buffer) => restockNoteOf(raw).refused.map((r) => `${r.line}: ${r.reason}`);
    expect(whole(mail(['Content-Type: text/html'], '<p>TEA-1 2</p>'))).toEqual([
      '0: the mail has no plain text and no CSV file: write "SKU quantity" lines',
    ]);
    expect(
      whole(mail(['Content-Type: text/plain', 'Content-Transfer-Encoding: base64'], '*** not base64 ***')),
    ).toEqual(['0: the mail cannot be read: a base64 part holds other characters']);
    expect(whole(mail(['Content-Type: multipart/mixed; boundary=x'], '--x\r\n\r\nTEA-1 2\r\n'))).toEqual([
      '0: the mail cannot be read: the multipart has no closing boundary --x--',
    ]);
    expect(whole(Buffer.from('Content-Type: text/plain; charset=utf-8\r\n\r\n\xff\xfe', 'latin1'))).toEqual([
      '0: the mail cannot be read: the text/plain part is not valid utf-8',
    ]);
  });
});

describe('refused lines and reasons', () => {
  // They are kept in PostgreSQL's jsonb (restock_messages), which refuses \u0000 and half of a
  // surrogate pair: one such character failed the whole transaction, and the supplier had no answer.
  // eslint-disable-next-line no-control-regex
  const storable = (text: string) => !/[\u0000-\u001f\u007f\p{Cs}]/u.test(text);

  it('never cuts a quoted line inside a character of two UTF-16 units (an emoji at the 100th)', () => {
    const [refused] = parseRestockNote(`${'A'.repeat(99)}\u{1F600} please`).refused;
    expect(storable(refused!.text)).toBe(true);
    expect(refused!.text).toBe('A'.repeat(99));
  });

  it.each([
    ['a transfer encoding with a NUL', ['Content-Transfer-Encoding: x\u0000y'], 'TEA-1 2'],
    ['a charset with control characters', ['Content-Type: text/plain; charset="x\u0000\u001b[31m"'], 'TEA-1 2'],
    ['a boundary of 5,000 characters', [`Content-Type: multipart/mixed; boundary="${'b'.repeat(5000)}"`], 'TEA-1 2'],
  ])('says why a mail with %s cannot be read in a reason it can store', (_, headers, body) => {
    const { refused } = restockNoteOf(Buffer.from([...headers, '', body].join('\r\n'), 'latin1'));
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toMatch(/^the mail cannot be read: /);
    expect(storable(refused[0]!.reason)).toBe(true);
    expect(refused[0]!.reason.length).toBeLessThanOrEqual(200);
  });
});

describe('decideRestock', () => {
  it('adds to the stock found, and refuses unknown SKUs and stock above the maximum', () => {
    const decide = decideRestock(parseRestockNote('TEA-1 5\nGHOST-1 2\nTEA-2 10\nNOT A LINE'));
    expect(
      decide(
        new Map([
          ['TEA-1', 3],
          ['TEA-2', 999_995],
        ]),
      ),
    ).toEqual({
      applied: [{ sku: 'TEA-1', quantity: 5, stock: 8 }],
      refused: [
        { line: 2, text: 'GHOST-1 2', reason: 'there is no product GHOST-1 in the catalog' },
        { line: 3, text: 'TEA-2 10', reason: 'stock would be 1000005, more than 1000000' },
        { line: 4, text: 'NOT A LINE', reason: 'is not "SKU quantity"' },
      ],
    });
  });
});

describe('restock', () => {
  it('applies through the store as the supplier, then projects what it changed', async () => {
    const drained: (readonly string[] | undefined)[] = [];
    const apply = jest.fn<ReturnType<RestockStore['apply']>, Parameters<RestockStore['apply']>>(
      ({ messageId, supplier, decide }) =>
        Promise.resolve({ messageId, supplier, ...decide(new Map([['TEA-1', 1]])), duplicate: false }),
    );
    const deps: RestockDeps = {
      restocks: { apply },
      outbox: {
        drain: jest.fn((_project, { skus }) => {
          drained.push(skus);
          return Promise.resolve(0);
        }),
        queueAll: jest.fn(),
        pending: jest.fn(),
      },
      catalog: { get: jest.fn(), list: jest.fn(), apply: jest.fn() },
    };

    const result = await restock(deps, {
      messageId: 'm-1',
      supplier: 'supplier@example.com',
      note: parseRestockNote('TEA-1 4'),
    });

    expect(result.applied).toEqual([{ sku: 'TEA-1', quantity: 4, stock: 5 }]);
    expect(apply).toHaveBeenCalledWith(
      expect.objectContaining({ messageId: 'm-1', by: 'supplier:supplier@example.com', skus: ['TEA-1'] }),
    );
    expect(drained).toEqual([['TEA-1']]);
  });
});

describe('restockAnswer', () => {
  const result: RestockResult = {
    messageId: 'm-1',
    supplier: 'supplier@example.com',
    applied: [{ sku: 'TEA-1', quantity: 5, stock: 8 }],
    refused: [{ line: 2, text: 'GHOST-1 2', reason: 'there is no product GHOST-1 in the catalog' }],
    duplicate: false,
  };

  it('tells the supplier what was added and what was refused, line by line', () => {
    expect(restockAnswer(result, 'Restock')).toEqual({
      to: 'supplier@example.com',
      subject: 'Re: Restock',
      text: [
        'Thank you. We added this stock:',
        '  TEA-1  +5  (stock now 8)',
        '',
        'We could not take these lines:',
        '  line 2 "GHOST-1 2": there is no product GHOST-1 in the catalog',
        '',
        'Send them again once corrected.',
        '',
        '(Message m-1)',
      ].join('\n'),
    });
  });

  it('answers with a subject of one line, cut whole', () => {
    // A line break decoded from a MIME encoded word, and an emoji (a surrogate pair) across the cut.
    expect(restockAnswer(result, 'Restock\r\nBcc: x@example.com').subject).toBe('Re: Restock??Bcc: x@example.com');
    const long = restockAnswer(result, `${'x'.repeat(195)}\u{1F375} tea`).subject;
    expect(long).toBe(`Re: ${'x'.repeat(195)}`);
  });

  it('says so when nothing was added', () => {
    const none = restockAnswer({ ...result, applied: [], refused: [{ line: 0, text: '', reason: 'unreadable' }] }, 'x');
    expect(none.text).toMatch(
      /^Thank you. We added no stock from your note.\n\nWe could not take these lines:\n {2}the whole note: unreadable/,
    );
  });
});
