import type { OutboxAppended } from '../../history/ports.ts'
import type { PositionRow, TelemetryBatch, TelemetryRepository } from '../../telemetry/ports.ts'
import type { Store } from '../db.ts'
import { positionOf } from '../rows/telemetry.ts'
import { appendOutbox } from './outbox.ts'
import { Statements } from './statements.ts'

export interface SqliteTelemetryOptions {
  /**
   * Told once positions stream in (10,000 stored since start): the WAL checkpoints should move off
   * the event loop (./checkpoint.ts). A quiet gateway never needs it.
   */
  busy?: () => void
}

/** Positions written before the store counts as busy. */
const BUSY_AFTER = 10_000

/** Positions, vitals and devices' last fix and last-heard time, in the SQLite store. */
export class SqliteTelemetry implements TelemetryRepository {
  readonly #store: Store
  readonly #sql: Statements
  readonly #busy: (() => void) | undefined
  #written = 0

  constructor(store: Store, options: SqliteTelemetryOptions = {}) {
    this.#store = store
    this.#sql = new Statements(store.db)
    this.#busy = options.busy
  }

  async write(batch: TelemetryBatch): Promise<OutboxAppended | undefined> {
    const result = this.#store.tx(() => {
      const sql = this.#sql
      const insertPos = sql.get(
        `INSERT OR REPLACE INTO positions (device_id, ts, lat, lon, acc, src, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      for (const p of batch.positions) {
        insertPos.run(p.deviceId, p.ts, p.lat, p.lon, p.acc ?? null, p.src ?? null, p.receivedAt)
      }
      const insertVitals = sql.get(
        'INSERT OR REPLACE INTO vitals (device_id, ts, doc, received_at) VALUES (?, ?, ?, ?)',
      )
      for (const v of batch.vitals) insertVitals.run(v.deviceId, v.ts, JSON.stringify(v.doc), v.receivedAt)
      if (batch.scans.length > 0) {
        const insertScan = sql.get(
          'INSERT OR REPLACE INTO radio_scans (device_id, ts, doc, received_at) VALUES (?, ?, ?, ?)',
        )
        for (const s of batch.scans) {
          insertScan.run(s.deviceId, s.ts, JSON.stringify({ cells: s.cells, wifi: s.wifi }), s.receivedAt)
        }
      }
      // a device with a fix was also heard from: one UPDATE for both, not two; a fix older than the
      // one held (a backlog sent late) leaves the last position as it is
      const newer = 'pos_at IS NULL OR pos_at <= ?4'
      const setFix = sql.get(
        `UPDATE devices SET lat = ?1, lon = ?2, acc = ?3, pos_at = ?4 WHERE id = ?5 AND (${newer})`,
      )
      const setBoth = sql.get(
        `UPDATE devices SET lat = CASE WHEN ${newer} THEN ?1 ELSE lat END,
           lon = CASE WHEN ${newer} THEN ?2 ELSE lon END, acc = CASE WHEN ${newer} THEN ?3 ELSE acc END,
           pos_at = CASE WHEN ${newer} THEN ?4 ELSE pos_at END, last_seen_at = ?6 WHERE id = ?5`,
      )
      const seenOnly = new Map(batch.seen)
      for (const p of batch.fixes) {
        const at = seenOnly.get(p.deviceId)
        if (at === undefined) setFix.run(p.lat, p.lon, p.acc ?? null, p.ts, p.deviceId)
        else {
          setBoth.run(p.lat, p.lon, p.acc ?? null, p.ts, p.deviceId, at)
          seenOnly.delete(p.deviceId)
        }
      }
      const setSeen = sql.get('UPDATE devices SET last_seen_at = ? WHERE id = ?')
      for (const [id, at] of seenOnly) setSeen.run(at, id)
      return batch.history ? appendOutbox(sql, batch.history) : undefined
    })
    this.#written += batch.positions.length
    if (this.#written >= BUSY_AFTER) this.#busy?.()
    return result
  }

  async track(deviceId: string, from: number, to: number, limit: number): Promise<PositionRow[]> {
    const rows = this.#sql
      .get('SELECT * FROM positions WHERE device_id = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?')
      .all(deviceId, from, to, limit) as Record<string, unknown>[]
    return rows.map(positionOf)
  }

  /**
   * Deletes what was received before `before`, `step` rows per transaction with `pause` between
   * two: a month of positions is millions of rows, and one DELETE would hold the write lock (and,
   * on the event loop, the loop) for seconds.
   */
  async prune(
    before: number,
    { step = 5_000, pause }: { step?: number; pause?: () => Promise<unknown> } = {},
  ): Promise<number> {
    let removed = 0
    for (const table of ['positions', 'vitals', 'radio_scans']) {
      const chunk = this.#sql.get(
        `DELETE FROM ${table} WHERE (device_id, ts) IN
           (SELECT device_id, ts FROM ${table} WHERE received_at < ? LIMIT ?)`,
      )
      for (;;) {
        const changes = Number(chunk.run(before, step).changes)
        removed += changes
        if (changes < step) break
        await pause?.()
      }
    }
    return removed
  }
}
