// CSV injection (shared/spreadsheet-cells.ts): text cells a spreadsheet would run as a formula get a
// single quote in front; numbers and ordinary text are written as they are.
import { spreadsheetSafe } from '../../shared/spreadsheet-cells';

describe('spreadsheetSafe', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","Click")', `'=HYPERLINK("http://evil.example","Click")`],
    ['+1+cmd|/C calc!A0', `'+1+cmd|/C calc!A0`],
    ['-2+3', `'-2+3`],
    ['-A1', `'-A1`],
    ['@SUM(A1:A9)', `'@SUM(A1:A9)`],
    ['\t=1+1', `'\t=1+1`],
    ['\r=1+1', `'\r=1+1`],
    ['=', `'=`],
    ['-', `'-`],
  ])('quotes %j', (cell, safe) => {
    expect(spreadsheetSafe(cell)).toBe(safe);
  });

  it.each(['-5', '+3.5', '-.5', '12', '1e3', '-2.5E-3', 'Green tea', 'a=b', 'TEA-1', '', ' =1'])(
    'leaves %j as it is',
    (cell) => {
      expect(spreadsheetSafe(cell)).toBe(cell);
    },
  );

  it('leaves numbers alone', () => {
    expect(spreadsheetSafe(-5)).toBe(-5);
    expect(spreadsheetSafe(4200)).toBe(4200);
  });
});
