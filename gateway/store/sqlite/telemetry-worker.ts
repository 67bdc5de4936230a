/**
 * The telemetry store's own thread (telemetry-thread.ts starts it): a connection of its own to the
 * gateway's SQLite file, on which every batch of positions, vitals, scans, last fixes and their
 * history lines is written in one transaction, and retention prunes in small steps. The event
 * loop that answers SOS only hands batches over.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { parentPort, workerData } from 'node:worker_threads'
import type { TelemetryBatch } from '../../telemetry/ports.ts'
import { Store, WANT, WRITING } from '../db.ts'
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
 * The event loop's transactions go first. The thread says it writes (`WRITING`) and then looks
 * whether the loop wants a turn (`WANT`); the loop does the same the other way round
 * (Store.tx), so one of the two always sees the other. While the loop wants its turn no write
 * starts here, so an alarm's commit waits for at most the batch already being written.
 */
function acquire(): void {
  let told = false
  for (;;) {
    Atomics.store(data.turns, WRITING, 1)
    const wanted = Atomics.load(data.turns, WANT)
    if (wanted === 0) return
    release()
    if (!told) port?.postMessage({ waiting: true } satisfies TelemetryAnswer)
    told = true
    Atomics.wait(data.turns, WANT, wanted, 50)
  }
}

function release(): void {
  Atomics.store(data.turns, WRITING, 0)
  Atomics.notify(data.turns, WRITING)
}

/** Between two steps of a prune the loop may write: the turn is let go for the pause. */
async function pause(): Promise<void> {
  release()
  await sleep(PRUNE_PAUSE_MS)
  acquire()
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
    acquire()
    try {
      const result =
        job.op === 'write'
          ? await telemetry.write(job.batch)
          : await telemetry.prune(job.before, { step: PRUNE_STEP, pause })
      release()
      port.postMessage({ id: job.id, ok: true, result } satisfies TelemetryAnswer)
    } catch (error) {
      release()
      port.postMessage({ id: job.id, ok: false, error: String(error) } satisfies TelemetryAnswer)
    }
  })
})
