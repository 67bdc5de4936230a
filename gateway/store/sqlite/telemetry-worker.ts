/**
 * The telemetry store's own thread (telemetry-thread.ts starts it): a connection of its own to the
 * gateway's SQLite file, on which every batch of positions, vitals, scans, last fixes and their
 * history lines is written in one transaction, and retention prunes in small steps. The event
 * loop that answers SOS only hands batches over.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { parentPort, workerData } from 'node:worker_threads'
import type { TelemetryBatch } from '../../telemetry/ports.ts'
import { Store } from '../db.ts'
import { SqliteTelemetry } from './telemetry.ts'

/** What the gateway asks of the thread. */
export type TelemetryJob =
  | { op: 'write'; id: number; batch: TelemetryBatch }
  | { op: 'prune'; id: number; before: number }
  | { op: 'stop' }

/** What the thread answers, by the job's id. */
export type TelemetryAnswer =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  /** The thread waits for the event loop's transaction before its next job. */
  | { waiting: true }

/** Rows a prune deletes per transaction, and the pause between two (the gateway's writes go between). */
const PRUNE_STEP = 2_000
const PRUNE_PAUSE_MS = 10

const port = parentPort
if (!port) throw new Error('telemetry-worker.ts runs as a worker thread')
const data = workerData as { path: string; turns: Int32Array }
const store = new Store(data.path)
store.open()
const telemetry = new SqliteTelemetry(store)
port.postMessage({ ready: true })

/**
 * The event loop's transactions go first: while one is under way or waiting (the store's shared
 * `turns`), no job starts here, so an alarm's commit waits for at most the batch already being
 * written, never for a queue of them.
 */
function giveWay(): void {
  let turns = Atomics.load(data.turns, 0)
  if (turns === 0) return
  port?.postMessage({ waiting: true } satisfies TelemetryAnswer)
  while (turns > 0) {
    Atomics.wait(data.turns, 0, turns, 50)
    turns = Atomics.load(data.turns, 0)
  }
}

/** Jobs run one after another, in the order they came: batches are stored in the order taken. */
let queue: Promise<void> = Promise.resolve()

port.on('message', (job: TelemetryJob) => {
  if (job.op === 'stop') {
    queue = queue.then(() => {
      store.close()
      port.close()
    })
    return
  }
  queue = queue.then(async () => {
    giveWay()
    try {
      const result =
        job.op === 'write'
          ? await telemetry.write(job.batch)
          : await telemetry.prune(job.before, { step: PRUNE_STEP, pause: () => sleep(PRUNE_PAUSE_MS) })
      port.postMessage({ id: job.id, ok: true, result } satisfies TelemetryAnswer)
    } catch (error) {
      port.postMessage({ id: job.id, ok: false, error: String(error) } satisfies TelemetryAnswer)
    }
  })
})
