import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Store } from '../store/db.ts'
import { droppableClasses, type PointClass } from './schema.ts'

export interface OutboxRow {
  id: number
  cls: PointClass
  line: string
}

export interface Taken {
  rows: OutboxRow[]
}

/**
 * The history outbox: points wait in the same SQLite store until InfluxDB
 * has taken them (nothing lost while it is down). It is bounded:
 * past `limit` rows the oldest positions go first, then vitals, then status,
 * each drop counted; alarm and response points are never dropped.
 */
export class Outbox {
  readonly #store: Store
  readonly #metrics: Metrics
  readonly #limit: number
  #depth = 0
  /** Rows up to this id are being written right now; the limit never drops them under the writer. */
  #inflightThrough = 0
  #onFill: (() => void) | undefined

  constructor(store: Store, metrics: Metrics, limit: number) {
    this.#store = store
    this.#metrics = metrics
    this.#limit = limit
  }

  /** Count what a previous run left behind; `onFill` is told whenever rows are added. */
  start(onFill: () => void): void {
    const row = this.#store.db.prepare('SELECT count(*) AS n FROM history_outbox').get() as { n: number }
    this.#depth = row.n
    this.#onFill = onFill
  }

  get depth(): number {
    return this.#depth
  }

  get limit(): number {
    return this.#limit
  }

  /** When the oldest waiting point was queued, or `undefined` when empty. */
  oldestAt(): number | undefined {
    const row = this.#store.db.prepare('SELECT at FROM history_outbox ORDER BY id LIMIT 1').get() as
      | { at: number }
      | undefined
    return row?.at
  }

  /**
   * Add lines in the caller's transaction (the telemetry flush) or in one of its own;
   * `alsoInTx` commits with them (the alarm cursor).
   */
  add(points: readonly { cls: PointClass; line: string }[], at: number, alsoInTx?: () => void): void {
    if (points.length === 0) return
    this.#store.tx(() => {
      const insert = this.#store.db.prepare('INSERT INTO history_outbox (cls, line, at) VALUES (?, ?, ?)')
      for (const p of points) insert.run(p.cls, p.line, at)
      this.#depth += points.length
      this.#enforceLimit()
      alsoInTx?.()
    })
    this.#onFill?.()
  }

  /** The oldest `max` rows, marked in flight until `done`, `release` or `setAside`. */
  take(max: number): OutboxRow[] {
    const rows = this.#store.db
      .prepare('SELECT id, cls, line FROM history_outbox ORDER BY id LIMIT ?')
      .all(max) as unknown as OutboxRow[]
    this.#inflightThrough = rows.at(-1)?.id ?? 0
    return rows
  }

  /** The rows were written: delete them (only after the write succeeded). */
  done(rows: readonly OutboxRow[]): void {
    this.#deleteRange(rows)
  }

  /** The writer gave up on this attempt; the rows stay and may be dropped by the limit again. */
  release(): void {
    this.#inflightThrough = 0
  }

  /** A write that will never succeed (a 4xx on a single line): keep the line apart and report it. */
  setAside(rows: readonly OutboxRow[], status: number | undefined, reason: string, at: number): void {
    this.#store.tx(() => {
      const insert = this.#store.db.prepare(
        `INSERT INTO history_rejected (cls, line, at, rejected_at, status, reason)
         SELECT cls, line, at, ?, ?, ? FROM history_outbox WHERE id = ?`,
      )
      for (const r of rows) insert.run(at, status ?? null, reason.slice(0, 500), r.id)
      this.#deleteRange(rows)
    })
  }

  /**
   * Delete the waiting and set-aside points of these classes that carry the tag `key=value` (an
   * elder's erasure). Returns how many were waiting.
   */
  purge(classes: readonly PointClass[], tag: string): number {
    const like = (end: string) => `%,${tag.replace(/[\\%_]/g, '\\$&')}${end}%`
    const where = `cls IN (${classes.map(() => '?').join(', ')})
      AND (line LIKE ? ESCAPE '\\' OR line LIKE ? ESCAPE '\\')`
    const args = [...classes, like(','), like(' ')]
    return this.#store.tx(() => {
      this.#store.db.prepare(`DELETE FROM history_rejected WHERE ${where}`).run(...args)
      const changes = Number(
        this.#store.db.prepare(`DELETE FROM history_outbox WHERE ${where}`).run(...args).changes,
      )
      this.#depth -= changes
      return changes
    })
  }

  rejectedCount(): number {
    const row = this.#store.db.prepare('SELECT count(*) AS n FROM history_rejected').get() as { n: number }
    return row.n
  }

  #deleteRange(rows: readonly OutboxRow[]): void {
    const first = rows[0]
    const last = rows.at(-1)
    if (!first || !last) return
    // a taken batch is contiguous in id order, and new rows only get larger ids
    const changes = this.#store.db
      .prepare('DELETE FROM history_outbox WHERE id BETWEEN ? AND ?')
      .run(first.id, last.id).changes
    this.#depth -= Number(changes)
  }

  #enforceLimit(): void {
    let excess = this.#depth - this.#limit
    for (const cls of droppableClasses) {
      if (excess <= 0) return
      const changes = Number(
        this.#store.db
          .prepare(
            `DELETE FROM history_outbox WHERE id IN
               (SELECT id FROM history_outbox WHERE cls = ? AND id > ? ORDER BY id LIMIT ?)`,
          )
          .run(cls, this.#inflightThrough, excess).changes,
      )
      if (changes === 0) continue
      this.#depth -= changes
      excess -= changes
      this.#metrics.inc('care_history_points_dropped_total', { measurement: cls }, changes)
    }
  }
}
