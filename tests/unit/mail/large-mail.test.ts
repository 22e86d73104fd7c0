// A mail of nearly SES's 40 MB (the most its S3 action stores) must be read, and answered, within
// receiveRestockMail's 512 MB: here, in a child process whose V8 heap is limited to 192 MB. The
// reader once cut bodies into lines, copied each multipart level and decoded quoted-printable into
// an array of numbers: 0.6 to 1.5 GB for such mails, and the function ran out of memory.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

function readInChild(mail: string): unknown {
  const child = spawnSync(
    process.execPath,
    ['--max-old-space-size=192', '--import', 'tsx', join(__dirname, 'large-mail-child.ts'), mail],
    { encoding: 'utf8', maxBuffer: 1024 * 1024 },
  );
  if (child.status !== 0) throw new Error(`the child failed (${child.status}): ${child.stderr.slice(-500)}`);
  return JSON.parse(child.stdout);
}

describe('a mail of 38 MB, read within a limited heap', () => {
  it('refuses a note of 4.4 million lines whole, counting them', () => {
    expect(readInChild('many lines')).toEqual({
      lines: 0,
      refused: ['the note has 4427318 lines, more than 1000: send it in parts'],
    });
  }, 120_000);

  it('refuses a 38 MB quoted-printable line', () => {
    expect(readInChild('quoted-printable')).toEqual({ lines: 0, refused: ['is not "SKU quantity"'] });
  }, 120_000);

  it('reads the note beside a 38 MB attachment seven multiparts deep', () => {
    expect(readInChild('nested attachment')).toEqual({ lines: 1, refused: [] });
  }, 120_000);
});
