import { DatabaseSync } from 'node:sqlite'
import { parentPort, workerData } from 'node:worker_threads'

/** See checkpoint.ts: checkpoints the store's WAL from its own connection, every `everyMs`. */
export interface CheckpointJob {
  path: string
  everyMs: number
}

const job = workerData as CheckpointJob
const db = new DatabaseSync(job.path)
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)')
const timer = setInterval(() => {
  try {
    // PASSIVE: copies what it can and never waits on the gateway's reads or writes
    const row = checkpoint.get() as { busy: number; log: number; checkpointed: number }
    parentPort?.postMessage({ ok: true, log: row.log, checkpointed: row.checkpointed })
  } catch (error) {
    parentPort?.postMessage({ ok: false, error: String(error) })
  }
}, job.everyMs)
parentPort?.on('message', (message) => {
  if (message !== 'stop') return
  clearInterval(timer)
  db.close()
  parentPort?.close()
})
