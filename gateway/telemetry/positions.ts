import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { OutboxAppend, OutboxAppended } from '../history/ports.ts'
import type { PositionRow, ScanRow, TelemetryBatch, TelemetryRepository, VitalsRow } from './ports.ts'

/**
 * Where each batch's history goes (the outbox, when history goes to a TSDB): its points are built
 * before the write, stored in the batch's transaction, and the outbox told how that went.
 */
export interface BatchHistory {
  lines(positions: readonly PositionRow[], vitals: readonly VitalsRow[]): OutboxAppend | undefined
  committed(append: OutboxAppend, result: OutboxAppended | undefined): void
  failed(append: OutboxAppend): void
}

/** Settles when the batch holding a reading is stored; rejects when the store refused that batch. */
export type Stored = Promise<void>

/** The batch being filled: one promise for every reading in it, settled by its write. */
class Ticket {
  readonly stored: Stored
  settle!: (error?: unknown) => void

  constructor() {
    this.stored = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error === undefined ? resolve() : reject(error))
    })
    // a reading sent at QoS 0 is not waited for: its batch's failure is counted, never unhandled
    this.stored.catch(() => undefined)
  }
}

/**
 * Telemetry writes off the SOS hot path: positions, vitals and devices' last fix and last-heard
 * time are buffered and stored in one repository call — one transaction — every flush, so 5,000
 * fixes a second cost a few hundred commits, not 5,000. Each reading gets the promise of its
 * batch (`Stored`): whoever must not acknowledge a reading before it is stored (a QoS 1 PUBACK, a
 * watch's reply) waits on it, and nobody else waits at all. With SQLite on the event loop a flush
 * holds it for about 15 µs a fix (25 µs with the history outbox), so it stays small — every 50 ms,
 * or at 500 fixes; with the store on its own thread (gateway/store/sqlite/telemetry-thread.ts) the
 * flush only hands the batch over, and runs every 10 ms so an acknowledgement waits little. Batches
 * are stored one after another, in the order they were taken.
 */
export class TelemetryWriter {
  readonly #repo: TelemetryRepository
  readonly #log: Logger
  readonly #metrics: Metrics
  readonly #flushMs: number
  readonly #maxBatch: number
  #positions: PositionRow[] = []
  #vitals: VitalsRow[] = []
  #scans: ScanRow[] = []
  #lastFix = new Map<string, PositionRow>()
  #seen = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined
  #soon: NodeJS.Immediate | undefined
  /** Readings were waited for while a batch was being written: flush when it is stored. */
  #hurryAfter = false
  #ticket: Ticket | undefined
  #history: BatchHistory | undefined
  /** The last batch handed to the repository, settled when stored (or its failure counted). */
  #writing: Promise<void> = Promise.resolve()
  #inFlight = 0

  constructor(repo: TelemetryRepository, log: Logger, metrics: Metrics, flushMs = 50, maxBatch = 500) {
    this.#repo = repo
    this.#log = log
    this.#metrics = metrics
    this.#flushMs = flushMs
    this.#maxBatch = maxBatch
  }

  /** Also hand each batch's history points to the outbox, in the same transaction (off the SOS path). */
  historyTo(history: BatchHistory): void {
    this.#history = history
  }

  start(): void {
    this.#timer = setInterval(() => void this.flush(), this.#flushMs)
    this.#timer.unref()
  }

  /** Stops the timer and stores what is buffered. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    if (this.#soon) clearImmediate(this.#soon)
    this.#timer = undefined
    this.#soon = undefined
    await this.flush()
  }

  position(row: PositionRow): Stored {
    this.#positions.push(row)
    // a backlog sent late (a watch's buffered fixes) is older than the fix already held: it is history
    const known = this.#lastFix.get(row.deviceId)
    if (!known || row.ts >= known.ts) this.#lastFix.set(row.deviceId, row)
    return this.#added(this.#positions.length)
  }

  /** Any uplink: the device's last-heard time, kept for the silence watch across restarts. */
  seen(deviceId: string, at: number): void {
    this.#seen.set(deviceId, at)
  }

  vitals(row: VitalsRow): Stored {
    this.#vitals.push(row)
    return this.#added(this.#vitals.length)
  }

  /** Cells and Wi-Fi heard without a fix (stored with the next batch, in the embedded store only). */
  scan(row: ScanRow): Stored {
    this.#scans.push(row)
    return this.#added(this.#scans.length)
  }

  /**
   * A reading is waited for (a PUBACK, a watch's reply): what is buffered goes to the store at the
   * next turn of the event loop, not the timer's next tick — or, while a batch is being written,
   * as soon as it is stored. Readings that came meanwhile go in one batch, so a busy gateway still
   * writes few, large batches.
   */
  hurry(): void {
    // a batch being written: the readings gather meanwhile and go together when it is stored
    // (group commit), rather than as one small batch each turn
    if (this.#inFlight > 0) {
      this.#hurryAfter = true
      return
    }
    this.#soon ??= setImmediate(() => {
      this.#soon = undefined
      void this.flush()
    })
  }

  /** The promise of the batch the reading just joined; a full buffer goes to the store now. */
  #added(buffered: number): Stored {
    this.#ticket ??= new Ticket()
    const { stored } = this.#ticket
    if (buffered >= this.#maxBatch) void this.flush()
    return stored
  }

  /** Devices erased: what is buffered of them is never stored. */
  forget(deviceIds: readonly string[]): void {
    const gone = new Set(deviceIds)
    this.#positions = this.#positions.filter((p) => !gone.has(p.deviceId))
    this.#vitals = this.#vitals.filter((v) => !gone.has(v.deviceId))
    this.#scans = this.#scans.filter((v) => !gone.has(v.deviceId))
    for (const id of gone) {
      this.#lastFix.delete(id)
      this.#seen.delete(id)
    }
  }

  /**
   * Stores what is buffered now, after the batches before it; settles when it is stored. Never
   * rejects: a batch the store refused is counted and logged (telemetry is not worth a PUBACK).
   */
  flush(): Promise<void> {
    const batch = this.#take()
    if (!batch) return this.#writing
    this.#inFlight++
    // with nothing in flight the batch goes to the repository now, not a microtask later
    const run = this.#inFlight === 1 ? this.#write(batch) : this.#writing.then(() => this.#write(batch))
    this.#writing = run.finally(() => {
      this.#inFlight--
      if (this.#inFlight === 0 && this.#hurryAfter) {
        this.#hurryAfter = false
        void this.flush()
      }
    })
    return this.#writing
  }

  /** contract: GET /devices/{id}/track — positions in a time range, oldest first. */
  async track(deviceId: string, from: number, to: number, limit = 10_000): Promise<PositionRow[]> {
    await this.flush()
    return this.#repo.track(deviceId, from, to, limit)
  }

  /** Embedded retention: drop positions, vitals and scans received before `before`. */
  prune(before: number): Promise<number> {
    return this.#repo.prune(before)
  }

  #take(): (Omit<TelemetryBatch, 'history'> & { ticket: Ticket | undefined }) | undefined {
    if (
      this.#positions.length === 0 &&
      this.#vitals.length === 0 &&
      this.#scans.length === 0 &&
      this.#seen.size === 0
    ) {
      // everything the readings waited on was forgotten (an erasure): nothing is left to store
      this.#ticket?.settle()
      this.#ticket = undefined
      return undefined
    }
    const batch = {
      positions: this.#positions,
      vitals: this.#vitals,
      scans: this.#scans,
      fixes: [...this.#lastFix.values()],
      seen: this.#seen,
      ticket: this.#ticket,
    }
    this.#ticket = undefined
    this.#positions = []
    this.#vitals = []
    this.#scans = []
    this.#lastFix = new Map()
    this.#seen = new Map()
    return batch
  }

  async #write({ ticket, ...batch }: Omit<TelemetryBatch, 'history'> & { ticket: Ticket | undefined }) {
    let history: OutboxAppend | undefined
    try {
      history = this.#history?.lines(batch.positions, batch.vitals)
      const result = await this.#repo.write({ ...batch, history })
      if (history) this.#history?.committed(history, result)
      this.#metrics.inc('care_positions_stored_total', undefined, batch.positions.length)
      ticket?.settle()
    } catch (error) {
      if (history) this.#history?.failed(history)
      this.#metrics.inc('care_telemetry_write_errors_total')
      this.#log.error({ err: error, positions: batch.positions.length }, 'telemetry batch not stored')
      ticket?.settle(error instanceof Error ? error : new Error(String(error)))
    }
  }
}
