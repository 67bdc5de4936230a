import { rowsToCsv } from '../../../kernel/csv.ts'

/** contract of the supervision page: any table can be exported as it is shown. */
export function tableToCsv(table: HTMLTableElement): string {
  return rowsToCsv(
    [...table.querySelectorAll('tr')].map((tr) =>
      [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent?.trim() ?? ''),
    ),
  )
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
