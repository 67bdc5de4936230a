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
import { ON_TIME_MS, SILENT_MS } from '../../../stats/ports.ts'

/**
 * The SQL behind GET /stats, one statement per figure family, each
 * grouped by a key: '' for the totals, or the next grid level below the asked
 * prefix for the drill-down rows. Definitions are in docs/stats.md.
 */

type Row = Record<string, SQLInputValue>

/** The grid level right below `prefix` of a grid key column, '' when the key has no level there. */
function childOf(column: string): string {
  const rest = `substr(${column}, length(:prefix) + 1)`
  return `CASE WHEN instr(${rest}, char(31)) > 0 THEN substr(${rest}, 1, instr(${rest}, char(31)) - 1) ELSE '' END`
}

const keyOf = (byChild: boolean, column: string): string => (byChild ? childOf(column) : "''")

export const inWindow = `substr(a.grid, 1, length(:prefix)) = :prefix AND a.raised_at >= :from AND a.raised_at < :to`

/**
 * docs/stats.md, on-time rate: an alarm is due a visit when it was offered to carers (priority 1–3), not
 * cancelled, and either a carer arrived or its 15 minutes are over — unless it was closed as a false alarm
 * with no one arriving.
 */
export const due = `(a.priority <= 3 AND a.state <> 'cancelled' AND (a.arrived_at IS NOT NULL OR
  (a.outcome IS NOT 'false_alarm' AND a.raised_at + ${ON_TIME_MS} <= :now)))`

/** docs/stats.md, the late list: a carer arrived more than 15 minutes after the raise, or none has arrived. */
export const lateOrNotReached = `(a.arrived_at IS NULL OR a.arrived_at - a.raised_at > ${ON_TIME_MS})`

export const rated = `EXISTS (SELECT 1 FROM alarm_timeline t WHERE t.alarm_id = a.id AND t.type = 'rated')`

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
    const sql = `SELECT ${keyOf(byChild, 'a.grid')} AS k,
        count(*) AS alarms,
        sum(a.state = 'resolved') AS resolved,
        sum(a.state <> 'cancelled') AS notCancelled,
        sum(a.priority <= 3) AS dispatched,
        sum(a.priority <= 3 AND a.escalated = 1) AS escalated,
        sum(a.arrived_at IS NOT NULL) AS arrived,
        sum(a.arrival_flagged = 1) AS flagged,
        sum(${due}) AS due,
        sum(${due} AND a.arrived_at - a.raised_at <= ${ON_TIME_MS}) AS onTime,
        sum(a.state IN ('resolved', 'cancelled') AND NOT ${rated}) AS closedUnrated
      FROM alarms a WHERE ${inWindow} GROUP BY k`
    return this.#all(sql, this.#alarmParams(w, true)).map((r) => ({
      k: String(r.k),
      alarms: Number(r.alarms),
      resolved: Number(r.resolved),
      notCancelled: Number(r.notCancelled),
      dispatched: Number(r.dispatched),
      escalated: Number(r.escalated),
      arrived: Number(r.arrived),
      flagged: Number(r.flagged),
      due: Number(r.due),
      onTime: Number(r.onTime),
      closedUnrated: Number(r.closedUnrated),
    }))
  }

  /** Alarms per (key, kind, priority). */
  kinds(w: Window, byChild: boolean): KindRow[] {
    const sql = `SELECT ${keyOf(byChild, 'a.grid')} AS k, a.kind AS kind, a.priority AS priority, count(*) AS n
      FROM alarms a WHERE ${inWindow} GROUP BY k, kind, priority`
    return this.#all(sql, this.#alarmParams(w, false)).map((r) => ({
      k: String(r.k),
      kind: String(r.kind),
      priority: Number(r.priority),
      n: Number(r.n),
    }))
  }

  /**
   * Median and p90 of (`column` − raised_at) by nearest rank (docs/stats.md): the p-th percentile is the
   * value at rank ⌈p·n/100⌉ of the n sorted values, which is the smallest value with at least p % of the
   * values at or below it, i.e. the first whose cume_dist() reaches p/100 (one sort, no second pass for n).
   */
  timing(w: Window, byChild: boolean, column: 'accepted_at' | 'arrived_at'): TimingRow[] {
    const sql = `SELECT k, count(*) AS n,
        min(CASE WHEN cd >= 0.5 THEN ms END) AS median,
        min(CASE WHEN cd >= 0.9 THEN ms END) AS p90
      FROM (
        SELECT k, ms, cume_dist() OVER (PARTITION BY k ORDER BY ms) AS cd
        FROM (
          SELECT ${keyOf(byChild, 'a.grid')} AS k, a.${column} - a.raised_at AS ms
          FROM alarms a WHERE ${inWindow} AND a.${column} IS NOT NULL
        )
      )
      GROUP BY k`
    return this.#all(sql, this.#alarmParams(w, false)).map((r) => ({
      k: String(r.k),
      n: Number(r.n),
      median: r.median === null ? null : Number(r.median),
      p90: r.p90 === null ? null : Number(r.p90),
    }))
  }

  /** Ratings of the window's alarms per (key, score, source). */
  ratings(w: Window, byChild: boolean): RatingRow[] {
    const sql = `SELECT ${keyOf(byChild, 'a.grid')} AS k, json_extract(t.data, '$.score') AS score,
        json_extract(t.data, '$.by') AS src, count(*) AS n
      FROM alarms a JOIN alarm_timeline t ON t.alarm_id = a.id AND t.type = 'rated'
      WHERE ${inWindow} GROUP BY k, score, src`
    return this.#all(sql, this.#alarmParams(w, false)).map((r) => ({
      k: String(r.k),
      score: Number(r.score),
      by: String(r.src),
      n: Number(r.n),
    }))
  }

  /** Devices of the elders under the prefix, as they are now (not windowed: the store keeps only the latest). */
  devices(w: Window, byChild: boolean): DeviceCountRow[] {
    const sql = `SELECT ${keyOf(byChild, 'e.grid')} AS k, count(*) AS devices,
        sum(d.online = 1) AS online,
        sum(coalesce(d.last_seen_at, d.created_at) < :now - ${SILENT_MS}) AS silent
      FROM devices d JOIN elders e ON e.id = d.elder_id
      WHERE substr(e.grid, 1, length(:prefix)) = :prefix GROUP BY k`
    return this.#all(sql, { prefix: w.prefix, now: w.now }).map((r) => ({
      k: String(r.k),
      devices: Number(r.devices),
      online: Number(r.online),
      silent: Number(r.silent),
    }))
  }
}
