/** The file the import sends as it is: a CSV as text/csv, an Excel workbook with its own content type. */
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

export interface ChosenFile {
  name: string
  size: number
  format: 'csv' | 'xlsx'
  contentType: string
  body: Blob
}

/** A file the import reads (by its name or its type), or undefined for anything else (an old .xls, a PDF). */
export function chosenFile(file: File): ChosenFile | undefined {
  const name = file.name.toLowerCase()
  const base = { name: file.name, size: file.size, body: file }
  if (name.endsWith('.xlsx') || file.type === XLSX_TYPE)
    return { ...base, format: 'xlsx', contentType: XLSX_TYPE }
  if (/\.(csv|txt)$/.test(name) || file.type === 'text/csv' || file.type === 'text/plain')
    return { ...base, format: 'csv', contentType: 'text/csv' }
  return undefined
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** A sheet cell as text, as the gateway reads it (gateway/registry/import/table-worker.ts). */
function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return ''
  if (cell instanceof Date) return cell.toISOString()
  return String(cell).trim()
}

/**
 * The file's records (the header first), read the way the gateway reads them — the same CSV parser
 * with the same options, the first sheet of a workbook with numbers kept as written and empty rows
 * skipped — so that record n here is the report's data row n. The page uses them to show a row's
 * cells and to write the rejected rows back out; the readers load only when a file is chosen.
 */
export async function readRecords(file: ChosenFile): Promise<string[][]> {
  if (file.format === 'csv') {
    const { parse } = await import('csv-parse/browser/esm/sync')
    return parse(await file.body.text(), {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    })
  }
  const { readSheet } = await import('read-excel-file/browser')
  const sheet = await readSheet<string>(file.body, { parseNumber: (s) => s })
  return sheet.map((row) => row.map(cellText)).filter((row) => row.some((cell) => cell !== ''))
}
