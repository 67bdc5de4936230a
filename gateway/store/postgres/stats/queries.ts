import type {
  CountsRow,
  DeviceCountRow,
  KindRow,
  RatingRow,
  ReportRows,
  TimingRow,
  Window,
} from '../../../stats/ports.ts'
import { countsRow, deviceCountRow, kindRow, ratingRow, timingRow } from '../../stats/rows.ts'
import { FigureSql } from '../../stats/sql.ts'
import type { Queryable } from '../db.ts'
import { rowsOf } from './named.ts'

/**
 * The SQL behind GET /stats on PostgreSQL, the twin of ../../sqlite/stats/queries.ts: the same
 * statements (shared where the text reads the same, ../../stats/sql.ts), grouped by the same keys and
 * answering the same rows in the same order. Texts sort as bytes (`COLLATE "C"`), as in SQLite, and
 * NULL sorts first, as in SQLite. Definitions are in docs/stats.md.
 */

/**
 * The figures' statements, with grid keys read by PostgreSQL's functions. The prefix is matched by
 * `starts_with`, which the planner estimates from the column's statistics and can serve from a grid
 * index (both sort as bytes); it would take a comparison of substrings for a few rows and plan for
 * those (the charts would then compare every day with every alarm). The child key sorts as bytes.
 */
export const figures = new FigureSql({
  under: (column) => `starts_with(${column}, :prefix)`,
  childOf(column) {
    const rest = `substr(${column}, length(:prefix) + 1)`
    return `(CASE WHEN strpos(${rest}, chr(31)) > 0 THEN substr(${rest}, 1, strpos(${rest}, chr(31)) - 1) ELSE '' END) COLLATE "C"`
  },
})

/** The report's statements over one connection (one snapshot: see ../stats.ts). */
export class ReportQueries {
  readonly #q: Queryable

  constructor(q: Queryable) {
    this.#q = q
  }

  /** Every family; timings by child only when `children` (below a grid, the drill-down is empty). */
  async report(w: Window, children: boolean): Promise<ReportRows> {
    return {
      counts: await this.counts(w, true),
      kinds: await this.kinds(w, true),
      ratings: await this.ratings(w, true),
      devices: await this.devices(w, true),
      accept: await this.timing(w, false, 'accepted_at'),
      arrive: await this.timing(w, false, 'arrived_at'),
      acceptByChild: children ? await this.timing(w, true, 'accepted_at') : [],
      arriveByChild: children ? await this.timing(w, true, 'arrived_at') : [],
    }
  }

  async counts(w: Window, byChild: boolean): Promise<CountsRow[]> {
    const params = { prefix: w.prefix, from: w.from, to: w.to, now: w.now }
    return (await rowsOf(this.#q, figures.counts(byChild), params)).map(countsRow)
  }

  /** Alarms per (key, kind, priority). */
  async kinds(w: Window, byChild: boolean): Promise<KindRow[]> {
    const sql = `SELECT ${figures.key(byChild, 'a.grid')} AS k, a.kind COLLATE "C" AS kind, a.priority AS priority,
        count(*) AS n
      FROM alarms a WHERE ${figures.inWindow} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`
    return (await rowsOf(this.#q, sql, { prefix: w.prefix, from: w.from, to: w.to })).map(kindRow)
  }

  /** Median and p90 by nearest rank (docs/stats.md) of the intervals from the raise to `column`. */
  async timing(w: Window, byChild: boolean, column: 'accepted_at' | 'arrived_at'): Promise<TimingRow[]> {
    const sql = figures.timing(byChild, column)
    return (await rowsOf(this.#q, sql, { prefix: w.prefix, from: w.from, to: w.to })).map(timingRow)
  }

  /**
   * Ratings of the window's alarms per (key, score, source). The score is grouped as JSON, so that a
   * number is one group however it was written, as SQLite's json_extract groups it.
   */
  async ratings(w: Window, byChild: boolean): Promise<RatingRow[]> {
    const sql = `SELECT ${figures.key(byChild, 'a.grid')} AS k, t.data::jsonb -> 'score' AS score,
        (t.data::jsonb ->> 'by') COLLATE "C" AS src, count(*) AS n
      FROM alarms a JOIN alarm_timeline t ON t.alarm_id = a.id AND t.type = 'rated'
      WHERE ${figures.inWindow} GROUP BY 1, 2, 3 ORDER BY 1, 2 NULLS FIRST, 3 NULLS FIRST`
    return (await rowsOf(this.#q, sql, { prefix: w.prefix, from: w.from, to: w.to })).map(ratingRow)
  }

  /** Devices of the elders under the prefix, as they are now (not windowed: the store keeps only the latest). */
  async devices(w: Window, byChild: boolean): Promise<DeviceCountRow[]> {
    const sql = figures.devices(byChild)
    return (await rowsOf(this.#q, sql, { prefix: w.prefix, now: w.now })).map(deviceCountRow)
  }
}
