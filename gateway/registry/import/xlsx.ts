import { Worker } from 'node:worker_threads'
import { ImportFileError } from './csv.ts'

/** The content type of an Excel workbook (.xlsx), as browsers and spreadsheet programs send it. */
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** A sheet that takes longer than this to read is refused rather than left running. */
const READ_TIMEOUT_MS = 120_000

/**
 * The first sheet of an Excel workbook as text records, read on a worker thread so the event loop
 * that answers SOS never waits for it (xlsx-worker.ts). A file that is not a workbook fails as a
 * whole, like a CSV with a broken quote.
 */
export function xlsxRecords(bytes: Uint8Array): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./xlsx-worker.ts', import.meta.url), { workerData: bytes })
    const timer = setTimeout(() => {
      void worker.terminate()
      reject(new ImportFileError(`the workbook took longer than ${READ_TIMEOUT_MS / 1000} s to read`))
    }, READ_TIMEOUT_MS)
    const done = () => clearTimeout(timer)
    worker.once('message', (answer: { records?: string[][]; error?: string }) => {
      done()
      void worker.terminate()
      if (answer.records) resolve(answer.records)
      else reject(new ImportFileError(`not readable as an Excel workbook (.xlsx): ${answer.error}`))
    })
    worker.once('error', (error) => {
      done()
      reject(new ImportFileError(`not readable as an Excel workbook (.xlsx): ${error.message}`))
    })
  })
}
