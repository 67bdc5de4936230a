import { DatabaseSync } from 'node:sqlite'
import { parentPort, workerData } from 'node:worker_threads'
import type { Window } from './queries.ts'
import { Stats } from './stats.ts'

/**
 * Entry point of a worker thread (started by ./run.ts): GET /stats on a read-only connection of its own,
 * so a long report never holds up the gateway's event loop (node:sqlite is synchronous). WAL lets it
 * read the last commit while the gateway keeps writing.
 */
export interface StatsJob {
  path: string
  grid: string[]
  window: Window
}

const job = workerData as StatsJob
const db = new DatabaseSync(job.path, { readOnly: true })
try {
  db.exec('PRAGMA busy_timeout = 5000')
  parentPort?.postMessage(new Stats(db).report(job.grid, job.window))
} finally {
  db.close()
}
