import type { z } from 'zod'
import type { importPreview } from '../../../gateway/api/schemas/import.ts'
import type { ImportType } from '../../../gateway/registry/import/columns.ts'
import type { ImportJobView } from '../../../gateway/registry/import/jobs.ts'
import type { ImportReport } from '../../../gateway/registry/import/run.ts'
import { ApiFailure, api, upload } from '../shared/api.ts'
import type { ChosenFile } from './import-file.ts'
import { iw } from './import-words.ts'

export type { ImportJobView, ImportReport, ImportType }
export type ImportPreview = z.infer<typeof importPreview>

/** The issue: the console reads a running job's progress about twice a second. */
export const POLL_MS = 500
/** After a failed read the next one waits longer (a gateway restarting, a network blip). */
const RETRY_MS = 2_000

/** The file's columns as the import maps them, and its first rows checked; nothing is stored. */
export function previewFile(type: ImportType, file: ChosenFile): Promise<ImportPreview> {
  return upload<ImportPreview>(`/import/preview?type=${type}`, file.body, file.contentType)
}

/** Starts the import of the whole file; answered at once (202) with the job's first view. */
export function startJob(type: ImportType, file: ChosenFile): Promise<ImportJobView> {
  return upload<ImportJobView>(`/import/jobs?type=${type}`, file.body, file.contentType)
}

export interface JobEvents {
  progress(job: ImportJobView): void
  finished(job: ImportJobView, report: ImportReport): void
  failed(message: string, job?: ImportJobView): void
  /** A read failed and is retried (the message), or reads work again (undefined). */
  trouble(message: string | undefined): void
}

export interface JobFollower {
  stop(): void
}

export function failureText(error: unknown): string {
  if (error instanceof ApiFailure) return `${error.code}: ${error.message}`
  return error instanceof Error ? error.message : String(error)
}

/**
 * Follows one job: `GET /import/jobs/{id}` every POLL_MS while it runs, then its report once. One
 * timer at a time, stopped with the section (SectionView.leave); an answer that arrives after the stop
 * is dropped. A job the gateway no longer knows (restarted; docs/api.md IMPORT_JOB_NOT_FOUND) fails.
 */
export function followJob(id: string, on: JobEvents, firstInMs = POLL_MS): JobFollower {
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  const path = `/import/jobs/${encodeURIComponent(id)}`
  const later = (ms: number) => {
    if (!stopped) timer = setTimeout(() => void tick(), ms)
  }
  const trouble = (error: unknown) => {
    if (stopped) return
    if (error instanceof ApiFailure && error.code === 'IMPORT_JOB_NOT_FOUND') {
      on.failed(iw('jobLost'))
      return
    }
    on.trouble(failureText(error))
    later(RETRY_MS)
  }
  const tick = async () => {
    try {
      const job = await api<ImportJobView>('GET', path)
      if (stopped) return
      on.trouble(undefined)
      if (job.state === 'running') {
        on.progress(job)
        later(POLL_MS)
        return
      }
      if (job.state === 'failed') {
        on.failed(job.error ?? '', job)
        return
      }
      const report = await api<ImportReport>('GET', `${path}/report`)
      if (!stopped) on.finished(job, report)
    } catch (error) {
      trouble(error)
    }
  }
  later(firstInMs)
  return {
    stop() {
      stopped = true
      clearTimeout(timer)
    },
  }
}
