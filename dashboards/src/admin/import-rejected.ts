import type { RowReport } from '../../../gateway/registry/import/run.ts'

/**
 * The rejected rows of an import, given back as a file to fix: no DOM here, so the tests check it as
 * they check kernel/csv.ts.
 */

/** The file as the page read it (header first, record n = the report's data row n), or why there is none. */
export type Originals =
  | { records: readonly (readonly string[])[]; idColumn: number }
  | { missing: 'reloaded' | 'unread' | 'mismatch' }

/** The column the import reads ids from (docs/import.md: `id`, `ID`, `编号`), or -1. */
export function idColumnOf(header: readonly string[]): number {
  return header.findIndex((h) => /^(id|编号)$/i.test(h.trim()))
}

/**
 * Whether the page's records are the rows the gateway reported on: as many data rows, and every
 * rejected row that names an id holds that id in its id column. When they are not (a reader that
 * disagrees with the gateway's), writing "the original cells" would put one row's cells beside
 * another row's reason, so the page falls back to ids and reasons.
 */
export function linedUp(
  records: readonly (readonly string[])[],
  idColumn: number,
  report: { total: number; rows: readonly RowReport[] },
): boolean {
  if (records.length - 1 !== report.total) return false
  return sameRows(
    records,
    idColumn,
    report.rows.filter((r) => r.status === 'rejected'),
  )
}

/** Every one of `rows` is a record of the file, and the one that names an id holds it in the id column. */
export function sameRows(
  records: readonly (readonly string[])[],
  idColumn: number,
  rows: readonly { row: number; id?: string | undefined }[],
): boolean {
  return rows.every((r) => {
    const cells = r.row >= 1 ? records[r.row] : undefined
    if (!cells) return false
    return r.id === undefined || idColumn < 0 || cells[idColumn] === r.id
  })
}

/** Data row `row`'s cells (row 1 follows the header). */
export function cellsOf(records: readonly (readonly string[])[], row: number): readonly string[] {
  return (row >= 1 ? records[row] : undefined) ?? []
}

export interface RejectedWords {
  /** The reason column's header, one the import ignores (`错误原因`, `reason`). */
  reasonHeader: string
  idHeader: string
  /** "第12行：home.lat: …": the reason with the row it had in the original file. */
  rowReason: (row: number, reason: string) => string
}

/**
 * The rejected rows as records to write as CSV: the reason first (so it stays under its header even
 * when a row has cells too many), then the row's cells as they were in the file; the header is the
 * file's own. Without the original cells: the id and the reason only.
 */
export function rejectedRecords(
  originals: Originals,
  rejected: readonly RowReport[],
  words: RejectedWords,
): string[][] {
  const reason = (r: RowReport) => words.rowReason(r.row, r.reason ?? '')
  if ('missing' in originals) {
    return [[words.reasonHeader, words.idHeader], ...rejected.map((r) => [reason(r), r.id ?? ''])]
  }
  const [header = []] = originals.records
  return [
    [words.reasonHeader, ...header],
    ...rejected.map((r) => [reason(r), ...cellsOf(originals.records, r.row)]),
  ]
}
