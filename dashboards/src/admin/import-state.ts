import type { ChosenFile } from './import-file.ts'
import type { ImportJobView, ImportPreview, ImportReport, ImportType } from './import-job.ts'
import type { Originals } from './import-rejected.ts'

/** Where the import is: one stage at a time, each drawn by import-view.ts (`data-stage` on the section). */
export type Stage =
  | { name: 'empty' }
  /** A file the import cannot read (neither CSV nor .xlsx), said before anything is sent. */
  | { name: 'unsupported'; fileName: string }
  | { name: 'previewing' }
  /** The gateway refused the file as a whole (400: not CSV, no header, …) or the request failed. */
  | { name: 'refused'; message: string }
  | { name: 'preview'; preview: ImportPreview }
  | { name: 'starting'; preview: ImportPreview }
  | { name: 'running'; job: ImportJobView; trouble?: string }
  | { name: 'done'; job: ImportJobView; report: ImportReport; originals: Originals }
  | { name: 'failed'; message: string; job?: ImportJobView }

export interface ImportState {
  type: ImportType
  file?: ChosenFile
  /** The file's records as the page read them (import-file.ts); 'unread' when it could not. */
  records?: string[][] | 'unread'
  stage: Stage
  /** A file is being dragged over the drop zone. */
  dragging: boolean
  /** The page of the rejected rows shown (from 0). */
  page: number
}

/** Rows of the rejected-rows table per page: a 20,000-row file with every row bad stays quick to draw. */
export const PAGE_ROWS = 50
