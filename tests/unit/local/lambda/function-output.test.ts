// The functions' output cut into lines (infra/local/lambda/function-output.ts), as the triggers
// that read it (CloudWatch Logs subscriptions) get it from serverless-offline's two streams.
import { FunctionOutput, type OutputStream } from '../../../../infra/local/lambda/function-output';

function listening() {
  const output = new FunctionOutput();
  const lines: [string, OutputStream][] = [];
  const unsubscribe = output.subscribe((line, stream) => lines.push([line, stream]));
  return { output, lines, unsubscribe };
}

describe('function output', () => {
  it('gives each complete line once, with its stream, whatever the chunks', () => {
    const { output, lines } = listening();

    output.write('first li', 'stdout');
    output.write('an error\nsecond', 'stderr');
    output.write(Buffer.from('ne\r\nthird\n'), 'stdout');
    output.write(' line\n', 'stderr');

    expect(lines).toEqual([
      ['an error', 'stderr'],
      ['first line', 'stdout'],
      ['third', 'stdout'],
      ['second line', 'stderr'],
    ]);
  });

  it('passes a line longer than 1 MB on in pieces instead of holding it without bound', () => {
    const { output, lines } = listening();

    output.write('x'.repeat(1024 * 1024 + 10), 'stdout');
    output.write('\n', 'stdout');

    expect(lines.map(([line]) => line.length)).toEqual([1024 * 1024, 10]);
  });

  it('stops giving lines to a listener that unsubscribed', () => {
    const { output, lines, unsubscribe } = listening();

    output.write('kept\n', 'stdout');
    unsubscribe();
    output.write('not seen\n', 'stdout');

    expect(lines).toEqual([['kept', 'stdout']]);
  });
});
