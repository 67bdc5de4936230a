/**
 * Reads the first sheet of an Excel workbook off the gateway's event loop (gateway/registry/import/xlsx.ts
 * starts it): unzipping and parsing a 20,000-row sheet takes long enough to delay an SOS. Every cell
 * comes back as text, as a CSV's would: numbers as written in the file (a phone number or an IMEI
 * keeps its digits), dates as ISO strings, empty cells as ''.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { readSheet } from 'read-excel-file/node'

const port = parentPort
if (!port) throw new Error('xlsx-worker.ts runs as a worker thread')

function text(cell: unknown): string {
  if (cell === null || cell === undefined) return ''
  if (cell instanceof Date) return cell.toISOString()
  return String(cell).trim()
}

try {
  const sheet = await readSheet<string>(Buffer.from(workerData as Uint8Array), { parseNumber: (s) => s })
  const records = sheet
    .map((row) => row.map(text))
    // a row of empty cells is skipped, as an empty line of a CSV is
    .filter((row) => row.some((cell) => cell !== ''))
  port.postMessage({ records })
} catch (error) {
  port.postMessage({ error: error instanceof Error ? error.message : String(error) })
}
