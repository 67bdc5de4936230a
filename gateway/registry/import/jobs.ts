import { randomUUID } from 'node:crypto'
import type { Clock } from '../../../kernel/ports/clock.ts'
import type { Registry } from '../registry.ts'
import type { ImportType } from './columns.ts'
import type { CsvRow } from './csv.ts'
import { type ImportProgress, type ImportReport, runImport } from './run.ts'

/** What an import job shows while it runs and once it is done (`GET /import/jobs/{id}`). */
export interface ImportJobView extends ImportProgress {
  id: string
  type: ImportType
  state: 'running' | 'done' | 'failed'
  /** The gateway's clock when it started. */
  startedAt: number
  /** Time spent so far (or in all, once finished), measured on a monotonic clock. */
  elapsedMs: number
  /** Why a failed job failed. */
  error?: string
}

interface Job {
  view: ImportJobView
  started: number
  report?: ImportReport
}

/** Finished jobs kept for their reports; the oldest goes first. */
const KEEP = 20

/**
 * Imports run as jobs (docs/import.md, "As a job"): the request that starts one is answered at once,
 * the rows are worked off step by step (gateway/registry/import/run.ts) while the page reads the
 * progress, and the report waits for it. Jobs live in memory only: a restart forgets them, and the
 * rows they stored stay stored.
 */
export class ImportJobs {
  readonly #registry: Registry
  readonly #clock: Clock
  readonly #jobs = new Map<string, Job>()
  #stopping = false

  constructor(registry: Registry, clock: Clock) {
    this.#registry = registry
    this.#clock = clock
  }

  /** Starts the job; `finished` hears its report (or its failure) when it ends. */
  start(
    type: ImportType,
    input: readonly CsvRow[],
    finished: (outcome: { report: ImportReport; ms: number } | { error: Error }) => void,
  ): ImportJobView {
    const job: Job = {
      started: performance.now(),
      view: {
        id: randomUUID(),
        type,
        state: 'running',
        startedAt: this.#clock.now(),
        elapsedMs: 0,
        total: input.length,
        done: 0,
        created: 0,
        updated: 0,
        rejected: 0,
      },
    }
    this.#jobs.set(job.view.id, job)
    const options = {
      onProgress: (p: ImportProgress) => Object.assign(job.view, p),
      stopped: () => this.#stopping,
    }
    runImport(this.#registry, type, input, options).then(
      (report) => {
        job.report = report
        this.#end(job, 'done')
        finished({ report, ms: job.view.elapsedMs })
      },
      (error: unknown) => {
        job.view.error = error instanceof Error ? error.message : String(error)
        this.#end(job, 'failed')
        finished({ error: error instanceof Error ? error : new Error(String(error)) })
      },
    )
    return this.view(job.view.id) as ImportJobView
  }

  view(id: string): ImportJobView | undefined {
    const job = this.#jobs.get(id)
    if (!job) return undefined
    if (job.view.state === 'running') job.view.elapsedMs = Math.round(performance.now() - job.started)
    return { ...job.view }
  }

  /** The finished job's report; 'running' while it is not. */
  report(id: string): ImportReport | 'running' | undefined {
    const job = this.#jobs.get(id)
    if (!job) return undefined
    return job.view.state === 'running' ? 'running' : job.report
  }

  /** The gateway stops: running jobs end after their current step. */
  stop(): void {
    this.#stopping = true
  }

  #end(job: Job, state: 'done' | 'failed'): void {
    job.view.state = state
    job.view.elapsedMs = Math.round(performance.now() - job.started)
    const finished = [...this.#jobs.values()].filter((j) => j.view.state !== 'running')
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP))) this.#jobs.delete(old.view.id)
  }
}
