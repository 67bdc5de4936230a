import { DatabaseSync } from 'node:sqlite'
import { parentPort, workerData } from 'node:worker_threads'
import { answer, type StatsTask } from './tasks.ts'

/**
 * A stats worker thread (started by ./runner.ts): answers GET /stats reports, charts and worklists one at a
 * time on a read-only connection of its own, so a long one never holds up the gateway's event loop
 * (node:sqlite is synchronous). WAL lets it read the last commit while the gateway keeps writing.
 */
export interface StatsJob {
  id: number
  task: StatsTask
}

export type StatsReply = { id: number; answer: unknown } | { id: number; error: string }

const db = new DatabaseSync((workerData as { path: string }).path, { readOnly: true })
db.exec('PRAGMA busy_timeout = 5000')

parentPort?.on('message', (message: StatsJob | 'stop') => {
  if (message === 'stop') {
    db.close()
    parentPort?.close()
    return
  }
  let reply: StatsReply
  try {
    reply = { id: message.id, answer: answer(db, message.task) }
  } catch (error) {
    reply = { id: message.id, error: error instanceof Error ? error.message : String(error) }
  }
  parentPort?.postMessage(reply)
})
