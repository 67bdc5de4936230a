import { Worker } from 'node:worker_threads'
import type { Logger } from '../../../kernel/observe/log.ts'
import type { Metrics } from '../../../kernel/observe/metrics.ts'
import type { OutboxAppended } from '../../history/ports.ts'
import type { PositionRow, TelemetryBatch, TelemetryRepository } from '../../telemetry/ports.ts'
import type { Store } from '../db.ts'
import { SqliteTelemetry } from './telemetry.ts'
import type { TelemetryAnswer, TelemetryJob } from './telemetry-worker.ts'

export interface ThreadedTelemetryOptions {
  log: Logger
  metrics: Metrics
  /** As SqliteTelemetry's: told once positions stream in (the WAL checkpoints move off the loop). */
  busy?: () => void
}

/** Positions written before the store counts as busy (as SqliteTelemetry's). */
const BUSY_AFTER = 10_000

interface Waiting {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

/**
 * The telemetry repository on a thread of its own (docs/architecture.md, "Telemetry off the event
 * loop"): each batch goes to telemetry-worker.ts, which writes it with its own connection in one
 * transaction, history lines included, and answers when it is committed. The event loop that
 * answers SOS spends a structured copy of the batch instead of 15–25 µs a fix. Reads (a track)
 * stay here: SQLite's WAL lets them run beside the thread's writes. Should the thread fail, the
 * batches it held are refused (their QoS 1 readings get no PUBACK and come again) and the writes
 * go back to this thread, as before, so telemetry never stops for it.
 */
export class ThreadedTelemetry implements TelemetryRepository {
  readonly #store: Store
  readonly #local: SqliteTelemetry
  readonly #o: ThreadedTelemetryOptions
  readonly #waiting = new Map<number, Waiting>()
  #worker: Worker | undefined
  #next = 1
  #written = 0
  #stopping = false

  constructor(store: Store, options: ThreadedTelemetryOptions) {
    this.#store = store
    this.#o = options
    this.#local = new SqliteTelemetry(store, options.busy ? { busy: options.busy } : {})
  }

  /**
   * Starts the thread and settles once it has its connection open, so the first batches do not
   * wait for it to load (a store in memory has no file to share: it stays on this thread). A thread
   * that cannot start is logged, and the writes stay here.
   */
  start(): Promise<void> {
    if (this.#worker || this.#store.path === ':memory:') return Promise.resolve()
    const worker = new Worker(new URL('./telemetry-worker.ts', import.meta.url), {
      workerData: { path: this.#store.path, turns: this.#store.turns },
    })
    const ready = new Promise<void>((resolve) => {
      const settle = () => resolve()
      worker.once('message', settle)
      worker.once('error', settle)
      worker.once('exit', settle)
    })
    worker.on('message', (answer: TelemetryAnswer | { ready: true }) => {
      if ('ready' in answer) return
      if ('waiting' in answer) {
        this.#o.metrics.inc('care_telemetry_gave_way_total')
        return
      }
      const waiting = this.#waiting.get(answer.id)
      if (!waiting) return
      this.#waiting.delete(answer.id)
      if (answer.ok) waiting.resolve(answer.result)
      else waiting.reject(new Error(answer.error))
    })
    worker.on('error', (error) => this.#failed(worker, error))
    worker.on('exit', (code) => {
      if (!this.#stopping) this.#failed(worker, new Error(`telemetry thread exited with code ${code}`))
    })
    this.#worker = worker
    return ready
  }

  async write(batch: TelemetryBatch): Promise<OutboxAppended | undefined> {
    const result = this.#worker
      ? ((await this.#ask({ op: 'write', batch })) as OutboxAppended | undefined)
      : await this.#local.write(batch)
    this.#written += batch.positions.length
    if (this.#written >= BUSY_AFTER) this.#o.busy?.()
    return result
  }

  track(deviceId: string, from: number, to: number, limit: number): Promise<PositionRow[]> {
    return this.#local.track(deviceId, from, to, limit)
  }

  async prune(before: number): Promise<number> {
    if (!this.#worker) return this.#local.prune(before)
    return (await this.#ask({ op: 'prune', before })) as number
  }

  /** Lets the jobs handed over finish, then ends the thread. */
  async stop(): Promise<void> {
    const worker = this.#worker
    if (!worker) return
    this.#stopping = true
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    worker.postMessage({ op: 'stop' } satisfies TelemetryJob)
    await exited
    this.#worker = undefined
    this.#refuseWaiting(new Error('telemetry thread stopped'))
  }

  #ask(job: { op: 'write'; batch: TelemetryBatch } | { op: 'prune'; before: number }): Promise<unknown> {
    const id = this.#next++
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject })
      this.#worker?.postMessage({ ...job, id } as TelemetryJob)
    })
  }

  #failed(worker: Worker, error: Error): void {
    if (this.#worker !== worker) return
    this.#worker = undefined
    void worker.terminate()
    this.#o.metrics.inc('care_telemetry_thread_failures_total')
    this.#o.log.error({ err: error }, 'telemetry thread failed; telemetry is written on the event loop again')
    this.#refuseWaiting(error)
  }

  #refuseWaiting(error: Error): void {
    for (const waiting of this.#waiting.values()) waiting.reject(error)
    this.#waiting.clear()
  }
}
