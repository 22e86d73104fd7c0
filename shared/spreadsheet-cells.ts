/**
 * CSV files the shop writes (the sales report, an import's rejects report) are opened in
 * spreadsheets, and they carry text others wrote: product names and categories, an uploaded file's
 * fields. A cell starting with `=`, `+`, `-` or `@` is read by Excel, LibreOffice and Google Sheets
 * as a formula (and TAB or CR before one are skipped), so a product named `=HYPERLINK(...)` would
 * run in the admin's spreadsheet: CSV injection. As OWASP recommends, such a text cell is written
 * with a single quote in front, which spreadsheets show as text and do not evaluate.
 * https://owasp.org/www-community/attacks/CSV_Injection
 * A plain number (`-5`, `+3.5`, `1e3`) is no formula and is left as it is, so figures stay figures.
 */

const formulaStart = /^[=+\-@\t\r]/;
const plainNumber = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The cell as a spreadsheet will not evaluate it. */
export function spreadsheetSafe(cell: string | number): string | number {
  if (typeof cell === 'number') return cell;
  return formulaStart.test(cell) && !plainNumber.test(cell) ? `'${cell}` : cell;
}
