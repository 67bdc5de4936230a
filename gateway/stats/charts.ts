import type { DatabaseSync, SQLInputValue } from 'node:sqlite'
import { type AlarmKind, alarmKinds } from '../alarms/model.ts'
import type { Day } from './days.ts'
import { due, inWindow, lateOrNotReached, type Window } from './queries.ts'
import type { Share } from './stats.ts'

/**
 * The supervision page's charts, counted by SQL over every alarm of the window (docs/stats.md, "Charts"):
 * alarms per day and kind, the on-time rate per day, and the time-to-accept distribution.
 */

export interface DayFigures extends Day {
  alarms: number
  byKind: Record<AlarmKind, number>
  /** docs/stats.md `onTime`, for the alarms raised that day. */
  onTime: Share
}

export interface AcceptBin {
  fromMs: number
  /** null for the last, open-ended bin. */
  toMs: number | null
  count: number
}

export interface ChartsReport {
  from: number
  to: number
  grid: string[]
  at: number
  /** The time zone the days are counted in. */
  tz: string
  days: DayFigures[]
  /** `acceptedAt − raisedAt` of the window's accepted alarms, in bins; `n` is GET /stats `acceptMs.n`. */
  acceptMs: { n: number; bins: AcceptBin[] }
}

/** docs/stats.md: the edges of the time-to-accept bins, in minutes. */
export const ACCEPT_EDGES_MIN = [1, 2, 3, 5, 10, 15, 30] as const

const share = (count: number, of: number): Share => ({ count, of, rate: of === 0 ? null : count / of })

export class Charts {
  readonly #db: DatabaseSync

  constructor(db: DatabaseSync) {
    this.#db = db
  }

  report(grid: string[], w: Window, tz: string, days: Day[]): ChartsReport {
    return {
      from: w.from,
      to: w.to,
      grid,
      at: w.now,
      tz,
      days: this.#days(w, days),
      acceptMs: this.#accepts(w),
    }
  }

  /**
   * One pass over the window's alarms through the raised-at index, a day at a time (the days come in as a
   * JSON array of [from, to) pairs), grouped by day and kind.
   */
  #days(w: Window, days: Day[]): DayFigures[] {
    const sql = `WITH d(i, start, stop) AS (
        SELECT key, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:days)
      )
      SELECT d.i AS i, a.kind AS kind, count(*) AS n, sum(${due}) AS due,
        sum(${due} AND NOT ${lateOrNotReached}) AS onTime
      FROM d JOIN alarms a ON a.raised_at >= d.start AND a.raised_at < d.stop
      WHERE substr(a.grid, 1, length(:prefix)) = :prefix
      GROUP BY d.i, a.kind`
    const params: Record<string, SQLInputValue> = {
      days: JSON.stringify(days.map((d) => [d.from, d.to])),
      prefix: w.prefix,
      now: w.now,
    }
    const out = days.map((d) => ({
      ...d,
      alarms: 0,
      byKind: Object.fromEntries(alarmKinds.map((k) => [k, 0])) as Record<AlarmKind, number>,
      tally: { due: 0, onTime: 0 },
    }))
    for (const r of this.#db.prepare(sql).all(params)) {
      const day = out[Number(r.i)]
      if (!day) continue
      const n = Number(r.n)
      day.alarms += n
      if (String(r.kind) in day.byKind) day.byKind[String(r.kind) as AlarmKind] += n
      day.tally.due += Number(r.due)
      day.tally.onTime += Number(r.onTime)
    }
    return out.map(({ tally, ...d }) => ({ ...d, onTime: share(tally.onTime, tally.due) }))
  }

  #accepts(w: Window): { n: number; bins: AcceptBin[] } {
    const edges = ACCEPT_EDGES_MIN.map((m) => m * 60_000)
    const bin = `CASE ${edges.map((e, i) => `WHEN ms < ${e} THEN ${i}`).join(' ')} ELSE ${edges.length} END`
    const sql = `SELECT ${bin} AS bin, count(*) AS n
      FROM (SELECT a.accepted_at - a.raised_at AS ms FROM alarms a
        WHERE ${inWindow} AND a.accepted_at IS NOT NULL)
      GROUP BY bin`
    const bins: AcceptBin[] = [0, ...edges].map((fromMs, i) => ({ fromMs, toMs: edges[i] ?? null, count: 0 }))
    let n = 0
    for (const r of this.#db.prepare(sql).all({ prefix: w.prefix, from: w.from, to: w.to })) {
      const b = bins[Number(r.bin)]
      if (b) b.count += Number(r.n)
      n += Number(r.n)
    }
    return { n, bins }
  }
}
