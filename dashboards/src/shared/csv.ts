/** contract of the supervision page: any table can be exported as it is shown. */
export function tableToCsv(table: HTMLTableElement): string {
  return rowsToCsv(
    [...table.querySelectorAll('tr')].map((tr) =>
      [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent?.trim() ?? ''),
    ),
  )
}

/** Rows of cells as CSV (RFC 4180, CRLF line ends). */
export function rowsToCsv(rows: readonly (readonly string[])[]): string {
  return `${rows.map((cells) => cells.map(quote).join(',')).join('\r\n')}\r\n`
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
