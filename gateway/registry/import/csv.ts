import { parse } from 'csv-parse/sync'
import { type Column, type ImportType, mapHeaders, rowOf } from './columns.ts'

export class ImportFileError extends Error {}

/** A CSV record turned into `{id, ...PUT body}`, or the reason it could not be. */
export type CsvRow = { row: number; value: Record<string, unknown> } | { row: number; reason: string }

/**
 * CSV text (UTF-8, with or without a BOM) → one entry per data record, numbered from 1 after the
 * header line. A broken file (bad quoting, unknown header) fails as a whole; a record with too
 * many cells fails alone.
 */
export function csvRows(type: ImportType, text: string): CsvRow[] {
  let records: string[][]
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true })
  } catch (error) {
    throw new ImportFileError(`not readable as CSV: ${(error as Error).message}`)
  }
  const [header, ...data] = records
  if (!header) throw new ImportFileError('the CSV has no header line')
  const mapped = mapHeaders(type, header)
  const unknown = mapped.find((m) => m instanceof Error)
  if (unknown) throw new ImportFileError(unknown.message)
  const columns = mapped.filter((m): m is Column => !(m instanceof Error))
  return data.map((cells, i) =>
    cells.length > columns.length
      ? { row: i + 1, reason: `${cells.length} cells but ${columns.length} columns` }
      : { row: i + 1, value: rowOf(columns, cells) },
  )
}
