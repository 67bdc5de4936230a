import { Worker } from 'node:worker_threads'
import type { Logger } from '../../../kernel/observe/log.ts'
import type { Metrics } from '../../../kernel/observe/metrics.ts'
import type { Store } from '../db.ts'
import type { CheckpointJob } from './checkpoint-worker.ts'

/**
 * WAL checkpoints off the event loop. Every position is a row in a B-tree keyed
 * by device, so 5,000 fixes a second write about 5,000 WAL pages a second, and
 * SQLite's automatic checkpoint (every 1,000 pages, inside the COMMIT that
 * crosses the mark) copied them into the database file and synced it on the
 * event loop: 20–70 ms, two to five times a second, during which an SOS waited.
 * Here a worker thread with its own connection checkpoints twice a second
 * (PASSIVE: it never blocks the gateway's reads or writes), and the gateway's
 * own automatic checkpoint stays only as a backstop, at 20,000 pages, should
 * the worker stop. The telemetry adapter starts it once positions stream in
 * (SqliteTelemetry's `busy`); the composition root stops it after telemetry.
 */
export class WalCheckpointer {
  readonly #store: Store
  readonly #log: Logger
  readonly #metrics: Metrics
  readonly #everyMs: number
  #worker: Worker | undefined

  constructor(store: Store, log: Logger, metrics: Metrics, everyMs = 500) {
    this.#store = store
    this.#log = log
    this.#metrics = metrics
    this.#everyMs = everyMs
  }

  start(): void {
    if (this.#worker || this.#store.path === ':memory:') return
    this.#store.db.exec('PRAGMA wal_autocheckpoint = 20000')
    const job: CheckpointJob = { path: this.#store.path, everyMs: this.#everyMs }
    const worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), { workerData: job })
    worker.unref()
    worker.on('message', (m: { ok: boolean; checkpointed?: number; error?: string }) => {
      if (m.ok) this.#metrics.inc('care_store_checkpointed_pages_total', undefined, m.checkpointed ?? 0)
      else {
        this.#metrics.inc('care_store_checkpoint_errors_total')
        this.#log.warn({ err: m.error }, 'WAL checkpoint failed')
      }
    })
    worker.on('error', (error) => {
      this.#metrics.inc('care_store_checkpoint_errors_total')
      this.#log.error(
        { err: error },
        'WAL checkpoint worker failed; SQLite checkpoints on the event loop again',
      )
      this.#restoreDefault()
    })
    this.#worker = worker
  }

  stop(): void {
    const worker = this.#worker
    this.#worker = undefined
    if (!worker) return
    worker.postMessage('stop')
    this.#restoreDefault()
  }

  #restoreDefault(): void {
    if (this.#store.db.isOpen) this.#store.db.exec('PRAGMA wal_autocheckpoint = 1000')
  }
}
