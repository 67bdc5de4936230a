import type { DatabaseSync, SQLInputValue } from 'node:sqlite'
import type { ChartRows, Day, Window } from '../../../stats/ports.ts'
import { due, lateOrNotReached } from '../../stats/sql.ts'
import { figures } from './queries.ts'

/**
 * The supervision page's charts, counted by SQL over every alarm of the window (docs/stats.md, "Charts"):
 * alarms per day and kind with their on-time tallies, and the time-to-accept bins.
 */
export class ChartQueries {
  readonly #db: DatabaseSync

  constructor(db: DatabaseSync) {
    this.#db = db
  }

  charts(w: Window, days: readonly Day[], edgesMs: readonly number[]): ChartRows {
    return { days: this.#days(w, days), accepts: this.#accepts(w, edgesMs) }
  }

  /**
   * One pass over the window's alarms through the raised-at index, a day at a time (the days come in as a
   * JSON array of [from, to) pairs), grouped by day and kind.
   */
  #days(w: Window, days: readonly Day[]): ChartRows['days'] {
    const sql = `WITH d(i, start, stop) AS (
        SELECT key, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:days)
      )
      SELECT d.i AS i, a.kind AS kind, count(*) AS n, sum(${due}) AS due,
        sum(${due} AND NOT ${lateOrNotReached}) AS onTime
      FROM d JOIN alarms a ON a.raised_at >= d.start AND a.raised_at < d.stop
      WHERE ${figures.grid.under('a.grid')}
      GROUP BY d.i, a.kind ORDER BY d.i, a.kind`
    const params: Record<string, SQLInputValue> = {
      days: JSON.stringify(days.map((d) => [d.from, d.to])),
      prefix: w.prefix,
      now: w.now,
    }
    return this.#db
      .prepare(sql)
      .all(params)
      .map((r) => ({
        i: Number(r.i),
        kind: String(r.kind),
        n: Number(r.n),
        due: Number(r.due),
        onTime: Number(r.onTime),
      }))
  }

  #accepts(w: Window, edgesMs: readonly number[]): ChartRows['accepts'] {
    return this.#db
      .prepare(figures.accepts(edgesMs))
      .all({ prefix: w.prefix, from: w.from, to: w.to })
      .map((r) => ({ bin: Number(r.bin), n: Number(r.n) }))
  }
}
