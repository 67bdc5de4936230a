import { Worker } from 'node:worker_threads'
import type { Window } from './queries.ts'
import type { StatsReport } from './stats.ts'
import type { StatsJob } from './worker.ts'

/**
 * Runs reports in worker threads over the store file (see ./worker.ts), at most `limit` at once so a wall
 * of dashboards cannot take every core from dispatch; the rest wait their turn.
 */
export class StatsRunner {
  readonly #path: string
  readonly #limit: number
  #running = 0
  readonly #waiting: (() => void)[] = []

  constructor(path: string, limit = 2) {
    this.#path = path
    this.#limit = limit
  }

  async report(grid: string[], window: Window): Promise<StatsReport> {
    if (this.#running >= this.#limit) await new Promise<void>((go) => this.#waiting.push(go))
    this.#running++
    try {
      return await run({ path: this.#path, grid, window })
    } finally {
      this.#running--
      this.#waiting.shift()?.()
    }
  }
}

function run(job: StatsJob): Promise<StatsReport> {
  return new Promise((resolve, reject) => {
    let answered = false
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: job })
    worker.once('message', (report: StatsReport) => {
      answered = true
      resolve(report)
    })
    worker.once('error', reject)
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`stats worker exited with code ${code} and no report`))
    })
  })
}
