import { Worker } from 'node:worker_threads'
import { csvRecords, ImportFileError } from './csv.ts'
import type { TableFile } from './table-worker.ts'

/** The content type of an Excel workbook (.xlsx), as browsers and spreadsheet programs send it. */
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** A CSV up to this size is parsed at once (a few milliseconds); a larger one on a thread. */
const INLINE_CSV_CHARS = 256 * 1024

/** A file that takes longer than this to read is refused rather than left running. */
const READ_TIMEOUT_MS = 120_000

/**
 * An import file's records as text cells: a CSV (text) or the first sheet of an Excel workbook
 * (bytes). A workbook, and a CSV of more than a few thousand rows, is read on a worker thread
 * (table-worker.ts) so the event loop that answers SOS never waits for it. A file that cannot be
 * read fails as a whole (ImportFileError: the API's 400).
 */
export function readTable(body: string | Uint8Array): Promise<string[][]> {
  if (typeof body === 'string' && body.length <= INLINE_CSV_CHARS) {
    try {
      return Promise.resolve(csvRecords(body))
    } catch (error) {
      return Promise.reject(error)
    }
  }
  const file: TableFile = typeof body === 'string' ? { csv: body } : { xlsx: body }
  const what = typeof body === 'string' ? 'as CSV' : 'as an Excel workbook (.xlsx)'
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./table-worker.ts', import.meta.url), { workerData: file })
    const timer = setTimeout(() => {
      void worker.terminate()
      reject(new ImportFileError(`the file took longer than ${READ_TIMEOUT_MS / 1000} s to read`))
    }, READ_TIMEOUT_MS)
    const records: string[][] = []
    worker.on('message', (answer: { records?: string[][]; done?: true; error?: string }) => {
      if (answer.records) {
        for (const record of answer.records) records.push(record)
        return
      }
      clearTimeout(timer)
      void worker.terminate()
      if (answer.done) resolve(records)
      else if ('csv' in file) reject(new ImportFileError(answer.error ?? 'not readable as CSV'))
      else reject(new ImportFileError(`not readable ${what}: ${answer.error}`))
    })
    worker.once('error', (error) => {
      clearTimeout(timer)
      reject(new ImportFileError(`not readable ${what}: ${error.message}`))
    })
  })
}
