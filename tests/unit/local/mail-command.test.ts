// `npm run mail -- FILE.eml ...` (infra/local/mail.ts): its arguments, and the local SES inbound
// request they make (the envelope and SES's verdicts in the query).
import { inboundUrl, parseMailArgs } from '../../../infra/local/mail';

describe('npm run mail', () => {
  it('posts the file with the envelope and verdicts asked for', () => {
    const args = parseMailArgs([
      'note.eml',
      '--to',
      'restock@shop.example',
      '--from',
      'x@example.com',
      '--spam',
      'FAIL',
    ]);
    expect(args).toEqual({
      file: 'note.eml',
      to: ['restock@shop.example'],
      from: 'x@example.com',
      verdicts: { spam: 'FAIL' },
    });
    expect(inboundUrl('http://127.0.0.1:8005', args)).toBe(
      'http://127.0.0.1:8005/inbound?to=restock%40shop.example&from=x%40example.com&spam=FAIL',
    );
  });

  it("leaves the envelope to the message's own headers by default", () => {
    expect(inboundUrl('http://127.0.0.1:8005', parseMailArgs(['note.eml']))).toBe('http://127.0.0.1:8005/inbound');
  });

  it('says how to use it when the file is missing', () => {
    expect(() => parseMailArgs([])).toThrow(/^Usage: npm run mail -- FILE.eml/);
  });
});
