import type { ChartRows, Day, Window } from '../../../stats/ports.ts'
import { due, lateOrNotReached } from '../../stats/sql.ts'
import type { Queryable } from '../db.ts'
import { rowsOf } from './named.ts'
import { figures } from './queries.ts'

/**
 * The supervision page's charts on PostgreSQL, the twin of ../../sqlite/stats/charts.ts: alarms per
 * day and kind with their on-time tallies, and the time-to-accept bins (docs/stats.md, "Charts").
 */
export class ChartQueries {
  readonly #q: Queryable

  constructor(q: Queryable) {
    this.#q = q
  }

  async charts(w: Window, days: readonly Day[], edgesMs: readonly number[]): Promise<ChartRows> {
    return { days: await this.#days(w, days), accepts: await this.#accepts(w, edgesMs) }
  }

  /**
   * One pass over the window's alarms through the raised-at index, a day at a time (the days come in as a
   * JSON array of [from, to) pairs, numbered from 0 as SQLite's json_each numbers them), grouped by day
   * and kind.
   */
  async #days(w: Window, days: readonly Day[]): Promise<ChartRows['days']> {
    const sql = `WITH d(i, start, stop) AS (
        SELECT ord - 1, (value ->> 0)::bigint, (value ->> 1)::bigint
        FROM jsonb_array_elements(CAST(:days AS jsonb)) WITH ORDINALITY AS day(value, ord)
      )
      SELECT d.i AS i, a.kind COLLATE "C" AS kind, count(*) AS n, count(*) FILTER (WHERE ${due}) AS due,
        count(*) FILTER (WHERE ${due} AND NOT ${lateOrNotReached}) AS "onTime"
      FROM d JOIN alarms a ON a.raised_at >= d.start AND a.raised_at < d.stop
      WHERE ${figures.grid.under('a.grid')}
      GROUP BY 1, 2 ORDER BY 1, 2`
    const params = { days: JSON.stringify(days.map((d) => [d.from, d.to])), prefix: w.prefix, now: w.now }
    return (await rowsOf(this.#q, sql, params)).map((r) => ({
      i: Number(r.i),
      kind: String(r.kind),
      n: Number(r.n),
      due: Number(r.due),
      onTime: Number(r.onTime),
    }))
  }

  async #accepts(w: Window, edgesMs: readonly number[]): Promise<ChartRows['accepts']> {
    const rows = await rowsOf(this.#q, figures.accepts(edgesMs), { prefix: w.prefix, from: w.from, to: w.to })
    return rows.map((r) => ({ bin: Number(r.bin), n: Number(r.n) }))
  }
}
