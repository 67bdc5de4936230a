/**
 * Reads an import file off the gateway's event loop (gateway/registry/import/tables.ts starts it):
 * parsing a 20,000-row CSV or unzipping and parsing an Excel sheet takes long enough to delay an
 * SOS. Every cell comes back as text: a CSV's as written; a workbook's numbers as written in the
 * file (a phone number or an IMEI keeps its digits), dates as ISO strings, empty cells as ''.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { readSheet } from 'read-excel-file/node'
import { csvRecords } from './csv.ts'

/** What the thread is given: CSV text, or a workbook's bytes (its first sheet is read). */
export type TableFile = { csv: string } | { xlsx: Uint8Array }

const port = parentPort
if (!port) throw new Error('table-worker.ts runs as a worker thread')

function text(cell: unknown): string {
  if (cell === null || cell === undefined) return ''
  if (cell instanceof Date) return cell.toISOString()
  return String(cell).trim()
}

async function records(file: TableFile): Promise<string[][]> {
  if ('csv' in file) return csvRecords(file.csv)
  const sheet = await readSheet<string>(Buffer.from(file.xlsx), { parseNumber: (s) => s })
  return (
    sheet
      .map((row) => row.map(text))
      // a row of empty cells is skipped, as an empty line of a CSV is
      .filter((row) => row.some((cell) => cell !== ''))
  )
}

/** Records are sent in parts: taking in one message of 20,000 rows would itself hold the event loop. */
const PART = 2_000

try {
  const all = await records(workerData as TableFile)
  for (let i = 0; i < all.length; i += PART) port.postMessage({ records: all.slice(i, i + PART) })
  port.postMessage({ done: true })
} catch (error) {
  port.postMessage({ error: error instanceof Error ? error.message : String(error) })
}
