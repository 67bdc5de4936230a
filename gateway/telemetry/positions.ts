import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Store } from '../store/db.ts'
import { WalCheckpointer } from './checkpoint.ts'

export interface PositionRow {
  deviceId: string
  ts: number
  lat: number
  lon: number
  acc?: number | undefined
  src?: string | undefined
  receivedAt: number
}

export interface VitalsRow {
  deviceId: string
  ts: number
  doc: Record<string, number>
  receivedAt: number
}

/** Positions written before WAL checkpoints move off the event loop (a quiet gateway never needs it). */
const CHECKPOINT_AFTER = 10_000

export type TelemetryHistory = (positions: readonly PositionRow[], vitals: readonly VitalsRow[]) => void

/**
 * Telemetry writes off the SOS hot path: positions, vitals and devices'
 * last fix are buffered and written in one transaction every flush, so
 * 5,000 fixes a second cost twenty commits, not 5,000. A flush holds the
 * event loop for about 15 µs a fix (25 µs with the history outbox), so it
 * stays small — every 50 ms, or at 500 fixes — and an alarm arriving
 * meanwhile waits a few milliseconds, not the 20–30 ms of a 1,250-fix batch.
 */
export class TelemetryWriter {
  readonly #store: Store
  readonly #log: Logger
  readonly #metrics: Metrics
  readonly #flushMs: number
  readonly #maxBatch: number
  #positions: PositionRow[] = []
  #vitals: VitalsRow[] = []
  #lastFix = new Map<string, PositionRow>()
  #seen = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined
  #history: TelemetryHistory | undefined
  readonly #checkpoints: WalCheckpointer
  /** Positions written since start: the checkpoint worker starts once they show a busy gateway. */
  #written = 0

  constructor(store: Store, log: Logger, metrics: Metrics, flushMs = 50, maxBatch = 500) {
    this.#store = store
    this.#log = log
    this.#metrics = metrics
    this.#flushMs = flushMs
    this.#maxBatch = maxBatch
    this.#checkpoints = new WalCheckpointer(store, log, metrics)
  }

  /** Also hand each batch to the history outbox, inside the same transaction (off the SOS path). */
  historyTo(history: TelemetryHistory): void {
    this.#history = history
  }

  start(): void {
    this.#timer = setInterval(() => this.flush(), this.#flushMs)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
    this.flush()
    this.#checkpoints.stop()
  }

  position(row: PositionRow): void {
    this.#positions.push(row)
    this.#lastFix.set(row.deviceId, row)
    if (this.#positions.length >= this.#maxBatch) this.flush()
  }

  /** Any uplink: the device's last-seen time, kept for the silence watch across restarts. */
  seen(deviceId: string, at: number): void {
    this.#seen.set(deviceId, at)
  }

  vitals(row: VitalsRow): void {
    this.#vitals.push(row)
    if (this.#vitals.length >= this.#maxBatch) this.flush()
  }

  flush(): void {
    if (this.#positions.length === 0 && this.#vitals.length === 0 && this.#seen.size === 0) return
    const positions = this.#positions
    const vitals = this.#vitals
    const lastFix = this.#lastFix
    const seen = this.#seen
    this.#positions = []
    this.#vitals = []
    this.#lastFix = new Map()
    this.#seen = new Map()
    try {
      const db = this.#store.db
      this.#store.tx(() => {
        const insertPos = db.prepare(
          `INSERT OR REPLACE INTO positions (device_id, ts, lat, lon, acc, src, received_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        for (const p of positions) {
          insertPos.run(p.deviceId, p.ts, p.lat, p.lon, p.acc ?? null, p.src ?? null, p.receivedAt)
        }
        const insertVitals = db.prepare(
          'INSERT OR REPLACE INTO vitals (device_id, ts, doc, received_at) VALUES (?, ?, ?, ?)',
        )
        for (const v of vitals) insertVitals.run(v.deviceId, v.ts, JSON.stringify(v.doc), v.receivedAt)
        // a device with a fix was also heard from: one UPDATE for both, not two
        const setFix = db.prepare('UPDATE devices SET lat = ?, lon = ?, acc = ?, pos_at = ? WHERE id = ?')
        const setBoth = db.prepare(
          'UPDATE devices SET lat = ?, lon = ?, acc = ?, pos_at = ?, last_seen_at = ? WHERE id = ?',
        )
        for (const p of lastFix.values()) {
          const at = seen.get(p.deviceId)
          if (at === undefined) setFix.run(p.lat, p.lon, p.acc ?? null, p.ts, p.deviceId)
          else {
            setBoth.run(p.lat, p.lon, p.acc ?? null, p.ts, at, p.deviceId)
            seen.delete(p.deviceId)
          }
        }
        const setSeen = db.prepare('UPDATE devices SET last_seen_at = ? WHERE id = ?')
        for (const [id, at] of seen) setSeen.run(at, id)
        this.#history?.(positions, vitals)
      })
      this.#metrics.inc('care_positions_stored_total', undefined, positions.length)
      this.#written += positions.length
      if (this.#written >= CHECKPOINT_AFTER && this.#timer) this.#checkpoints.start()
    } catch (error) {
      this.#metrics.inc('care_telemetry_write_errors_total')
      this.#log.error({ err: error, positions: positions.length }, 'telemetry batch not stored')
    }
  }

  /** contract: GET /devices/{id}/track — positions in a time range, oldest first. */
  track(deviceId: string, from: number, to: number, limit = 10_000): PositionRow[] {
    this.flush()
    const rows = this.#store.db
      .prepare('SELECT * FROM positions WHERE device_id = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?')
      .all(deviceId, from, to, limit) as Record<string, number | string | null>[]
    return rows.map((r) => {
      const row: PositionRow = {
        deviceId: String(r.device_id),
        ts: Number(r.ts),
        lat: Number(r.lat),
        lon: Number(r.lon),
        receivedAt: Number(r.received_at),
      }
      if (typeof r.acc === 'number') row.acc = r.acc
      if (typeof r.src === 'string') row.src = r.src
      return row
    })
  }

  /** Embedded retention: drop positions and vitals received before `before`. */
  prune(before: number): number {
    const db = this.#store.db
    const a = db.prepare('DELETE FROM positions WHERE received_at < ?').run(before).changes
    const b = db.prepare('DELETE FROM vitals WHERE received_at < ?').run(before).changes
    return Number(a) + Number(b)
  }
}
