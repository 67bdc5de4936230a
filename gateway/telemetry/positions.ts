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

/**
 * Telemetry writes off the SOS hot path: positions, vitals and devices' last fix and last-heard
 * time are buffered and stored in one repository call — one transaction — every flush, so 5,000
 * fixes a second cost twenty commits, not 5,000, and a `loc` never waits on the store. A flush
 * holds the event loop for about 15 µs a fix (25 µs with the history outbox) with SQLite, so it
 * stays small — every 50 ms, or at 500 fixes — and an alarm arriving meanwhile waits a few
 * milliseconds, not the 20–30 ms of a 1,250-fix batch. Batches are stored one after another, in
 * the order they were taken.
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
    this.#timer = undefined
    await this.flush()
  }

  position(row: PositionRow): void {
    this.#positions.push(row)
    // a backlog sent late (a watch's buffered fixes) is older than the fix already held: it is history
    const known = this.#lastFix.get(row.deviceId)
    if (!known || row.ts >= known.ts) this.#lastFix.set(row.deviceId, row)
    if (this.#positions.length >= this.#maxBatch) void this.flush()
  }

  /** Any uplink: the device's last-heard time, kept for the silence watch across restarts. */
  seen(deviceId: string, at: number): void {
    this.#seen.set(deviceId, at)
  }

  vitals(row: VitalsRow): void {
    this.#vitals.push(row)
    if (this.#vitals.length >= this.#maxBatch) void this.flush()
  }

  /** Cells and Wi-Fi heard without a fix (stored with the next batch, in the embedded store only). */
  scan(row: ScanRow): void {
    this.#scans.push(row)
    if (this.#scans.length >= this.#maxBatch) void this.flush()
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

  #take(): Omit<TelemetryBatch, 'history'> | undefined {
    if (
      this.#positions.length === 0 &&
      this.#vitals.length === 0 &&
      this.#scans.length === 0 &&
      this.#seen.size === 0
    )
      return undefined
    const batch = {
      positions: this.#positions,
      vitals: this.#vitals,
      scans: this.#scans,
      fixes: [...this.#lastFix.values()],
      seen: this.#seen,
    }
    this.#positions = []
    this.#vitals = []
    this.#scans = []
    this.#lastFix = new Map()
    this.#seen = new Map()
    return batch
  }

  async #write(batch: Omit<TelemetryBatch, 'history'>): Promise<void> {
    let history: OutboxAppend | undefined
    try {
      history = this.#history?.lines(batch.positions, batch.vitals)
      const result = await this.#repo.write({ ...batch, history })
      if (history) this.#history?.committed(history, result)
      this.#metrics.inc('care_positions_stored_total', undefined, batch.positions.length)
    } catch (error) {
      if (history) this.#history?.failed(history)
      this.#metrics.inc('care_telemetry_write_errors_total')
      this.#log.error({ err: error, positions: batch.positions.length }, 'telemetry batch not stored')
    }
  }
}
