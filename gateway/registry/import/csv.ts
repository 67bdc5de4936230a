import { parse } from 'csv-parse/sync'
import { type Column, type ImportType, mapHeaders, rowOf } from './columns.ts'

export class ImportFileError extends Error {}

/** A record of the file turned into `{id, ...PUT body}`, or the reason it could not be. */
export type CsvRow = { row: number; value: Record<string, unknown> } | { row: number; reason: string }

/** CSV text (UTF-8, with or without a BOM) → its records as text cells; a broken file fails as a whole. */
export function csvRecords(text: string): string[][] {
  try {
    return parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true })
  } catch (error) {
    throw new ImportFileError(`not readable as CSV: ${(error as Error).message}`)
  }
}

/** Rows mapped between two turns of the event loop: mapping 20,000 at once holds it for tens of ms. */
const ROWS_PER_TURN = 2_000

/** A table's header line matched to columns, its data records, and the first unknown header if any. */
function read(type: ImportType, records: readonly string[][]) {
  const [header, ...data] = records
  if (!header) throw new ImportFileError('the file has no header line')
  const mapped = mapHeaders(type, header)
  const unknown = mapped.find((m): m is Error => m instanceof Error)
  const known = mapped.filter((m): m is Column => !(m instanceof Error))
  return { header, mapped, data, unknown, known }
}

/**
 * A table's records (a CSV's, or an Excel sheet's: gateway/registry/import/tables.ts) → one entry per
 * data record, numbered from 1 after the header line, a part per turn of the event loop. An unknown
 * header fails the whole file; a record with too many cells fails alone.
 */
export async function tableRows(type: ImportType, records: readonly string[][]): Promise<CsvRow[]> {
  const { data, unknown, known } = read(type, records)
  if (unknown) throw new ImportFileError(unknown.message)
  const rows: CsvRow[] = []
  for (let i = 0; i < data.length; i++) {
    if (i > 0 && i % ROWS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve))
    rows.push(rowFrom(known, data[i] as string[], i + 1))
  }
  return rows
}

function rowFrom(columns: readonly Column[], cells: readonly string[], row: number): CsvRow {
  return cells.length > columns.length
    ? { row, reason: `${cells.length} cells but ${columns.length} columns` }
    : { row, value: rowOf(columns, cells) }
}

/** A file's header line matched to the fields it fills (null: a column the import does not know). */
export interface TablePreview {
  total: number
  columns: { header: string; field: string | null }[]
  /** What makes the whole file unusable (an unknown column), as the import would say it. */
  problem?: string
  /** The first rows, as the import would read them; none when the file is unusable. */
  rows: CsvRow[]
}

/** The first `first` rows of a table and its column mapping, without importing anything. */
export function previewTable(type: ImportType, records: readonly string[][], first: number): TablePreview {
  const { header, mapped, data, unknown, known } = read(type, records)
  const columns = header.map((h, i) => {
    const m = mapped[i]
    return { header: h, field: m instanceof Error || m === undefined ? null : m.key || null }
  })
  if (unknown) return { total: data.length, columns, problem: unknown.message, rows: [] }
  return {
    total: data.length,
    columns,
    rows: data.slice(0, first).map((cells, i) => rowFrom(known, cells, i + 1)),
  }
}
