import type { DatabaseSync, SQLInputValue } from 'node:sqlite'

import type {
  CountsRow,
  DeviceCountRow,
  KindRow,
  RatingRow,
  ReportRows,
  TimingRow,
  Window,
} from '../../../stats/ports.ts'
import { countsRow, deviceCountRow, kindRow, type Row, ratingRow, timingRow } from '../../stats/rows.ts'
import { FigureSql } from '../../stats/sql.ts'

/**
 * The SQL behind GET /stats, one statement per figure family, each
 * grouped by a key: '' for the totals, or the next grid level below the asked
 * prefix for the drill-down rows. Definitions are in docs/stats.md; the statements
 * that read the same in PostgreSQL are shared with it (../../stats/sql.ts).
 */

/** The figures' statements, with grid keys read by SQLite's text functions (binary collation sorts bytes). */
export const figures = new FigureSql({
  under: (column) => `substr(${column}, 1, length(:prefix)) = :prefix`,
  childOf(column) {
    const rest = `substr(${column}, length(:prefix) + 1)`
    return `CASE WHEN instr(${rest}, char(31)) > 0 THEN substr(${rest}, 1, instr(${rest}, char(31)) - 1) ELSE '' END`
  },
})

/** The report's statements over one connection to the store. */
export class ReportQueries {
  readonly #db: DatabaseSync

  /** Any connection to the store: the gateway's own, or a read-only one in a worker (./worker.ts). */
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  /** Every family; timings by child only when `children` (below a grid, the drill-down is empty). */
  report(w: Window, children: boolean): ReportRows {
    return {
      counts: this.counts(w, true),
      kinds: this.kinds(w, true),
      ratings: this.ratings(w, true),
      devices: this.devices(w, true),
      accept: this.timing(w, false, 'accepted_at'),
      arrive: this.timing(w, false, 'arrived_at'),
      acceptByChild: children ? this.timing(w, true, 'accepted_at') : [],
      arriveByChild: children ? this.timing(w, true, 'arrived_at') : [],
    }
  }

  #all(sql: string, params: Record<string, SQLInputValue>): Row[] {
    return this.#db.prepare(sql).all(params) as Row[]
  }

  #alarmParams(w: Window, withNow: boolean): Record<string, SQLInputValue> {
    return withNow
      ? { prefix: w.prefix, from: w.from, to: w.to, now: w.now }
      : { prefix: w.prefix, from: w.from, to: w.to }
  }

  counts(w: Window, byChild: boolean): CountsRow[] {
    return this.#all(figures.counts(byChild), this.#alarmParams(w, true)).map(countsRow)
  }

  /** Alarms per (key, kind, priority). */
  kinds(w: Window, byChild: boolean): KindRow[] {
    const sql = `SELECT ${figures.key(byChild, 'a.grid')} AS k, a.kind AS kind, a.priority AS priority, count(*) AS n
      FROM alarms a WHERE ${figures.inWindow} GROUP BY k, kind, priority ORDER BY k, kind, priority`
    return this.#all(sql, this.#alarmParams(w, false)).map(kindRow)
  }

  /** Median and p90 by nearest rank (docs/stats.md) of the intervals from the raise to `column`. */
  timing(w: Window, byChild: boolean, column: 'accepted_at' | 'arrived_at'): TimingRow[] {
    return this.#all(figures.timing(byChild, column), this.#alarmParams(w, false)).map(timingRow)
  }

  /** Ratings of the window's alarms per (key, score, source). */
  ratings(w: Window, byChild: boolean): RatingRow[] {
    const sql = `SELECT ${figures.key(byChild, 'a.grid')} AS k, json_extract(t.data, '$.score') AS score,
        json_extract(t.data, '$.by') AS src, count(*) AS n
      FROM alarms a JOIN alarm_timeline t ON t.alarm_id = a.id AND t.type = 'rated'
      WHERE ${figures.inWindow} GROUP BY k, score, src ORDER BY k, score, src`
    return this.#all(sql, this.#alarmParams(w, false)).map(ratingRow)
  }

  /** Devices of the elders under the prefix, as they are now (not windowed: the store keeps only the latest). */
  devices(w: Window, byChild: boolean): DeviceCountRow[] {
    return this.#all(figures.devices(byChild), { prefix: w.prefix, now: w.now }).map(deviceCountRow)
  }
}
