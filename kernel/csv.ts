/** CSV text the gateway and the pages export: no DOM here, so both sides and their tests share it. */

/** Rows of cells as CSV (RFC 4180, CRLF line ends), every cell made safe to open in a spreadsheet. */
export function rowsToCsv(rows: readonly (readonly string[])[]): string {
  return `${rows.map((cells) => cells.map((c) => quote(inert(c))).join(',')).join('\r\n')}\r\n`
}

/** What a spreadsheet reads as the start of a formula (the full-width forms too, as East Asian input gives them). */
const FORMULA_START = /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/
/** A plain number, negative or not: a spreadsheet reads it as a number and runs nothing. */
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/

/**
 * docs/decisions.md, CSV formula injection: a cell that a spreadsheet would take for a formula
 * (`=HYPERLINK(…)`, `+1+cmd`, `@SUM(…)`, `-2+3`, a leading tab or carriage return) gets a leading `'`,
 * so it opens as the text it is; a plain negative number stays a number.
 */
export function inert(value: string): string {
  return FORMULA_START.test(value) && !NUMBER.test(value) ? `'${value}` : value
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}
