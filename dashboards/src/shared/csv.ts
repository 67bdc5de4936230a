/** contract of the supervision page: any table can be exported as it is shown. */
export function tableToCsv(table: HTMLTableElement): string {
  return rowsToCsv(
    [...table.querySelectorAll('tr')].map((tr) =>
      [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent?.trim() ?? ''),
    ),
  )
}

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

export function download(name: string, text: string): void {
  // a BOM so that Excel opens Chinese text as UTF-8
  const blob = new Blob(['\ufeff', text], { type: 'text/csv;charset=utf-8' })
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 1000)
}
