import { ON_TIME_MS, SILENT_MS } from '../../stats/ports.ts'

/**
 * The supervision figures' SQL, one text for SQLite and PostgreSQL so both stores count by one
 * definition (docs/stats.md). Parameters are named: SQLite binds `:prefix`, `:from`, `:to` and `:now`
 * as they are; the PostgreSQL adapter turns each into its `?` (../postgres/stats/named.ts). `a` is an
 * alarm, `d` a device, `e` an elder.
 *
 * Only the reading of a grid key against the asked prefix differs (`GridSql`): each store writes it with
 * its own functions, PostgreSQL in a form its planner can estimate and serve from the grid index.
 */

/**
 * docs/stats.md, on-time rate: an alarm is due a visit when it was offered to carers (priority 1–3), not
 * cancelled, and either a carer arrived or its 15 minutes are over — unless it was closed as a false alarm
 * with no one arriving.
 */
export const due = `(a.priority <= 3 AND a.state <> 'cancelled' AND (a.arrived_at IS NOT NULL OR
  ((a.outcome IS NULL OR a.outcome <> 'false_alarm') AND a.raised_at + ${ON_TIME_MS} <= :now)))`

/** docs/stats.md, the late list: a carer arrived more than 15 minutes after the raise, or none has arrived. */
export const lateOrNotReached = `(a.arrived_at IS NULL OR a.arrived_at - a.raised_at > ${ON_TIME_MS})`

export const rated = `EXISTS (SELECT 1 FROM alarm_timeline t WHERE t.alarm_id = a.id AND t.type = 'rated')`

/** docs/stats.md `ratings.unrated`: closed (resolved or cancelled) without any rating. */
export const closedUnrated = `(a.state IN ('resolved', 'cancelled') AND NOT ${rated})`

/** Which of the window's alarms each alarm worklist holds (docs/stats.md, "Worklists"). */
export const alarmLists = {
  // due a visit and not reached within 15 minutes: GET /stats onTime.of − onTime.count
  late: `${due} AND ${lateOrNotReached}`,
  // GET /stats flaggedArrivals.count
  flagged: 'a.arrival_flagged = 1',
  // GET /stats ratings.unrated: the call-back worklist
  unrated: closedUnrated,
} as const

/** When a device was last heard from: its registration when never. */
export const heardAt = 'coalesce(d.last_seen_at, d.created_at)'

/**
 * docs/stats.md `devices.silent24h`: nothing heard for more than 24 hours. `:now` is cast so that
 * PostgreSQL takes it as the bigint it is (an untyped parameter minus an integer would be read as int4).
 */
export const silent = `${heardAt} < CAST(:now AS bigint) - ${SILENT_MS}`

/** How a store's SQL reads a grid key column against the asked prefix (`:prefix`, a grid key). */
export interface GridSql {
  /** True when the key lies under the prefix: the prefix begins it, compared as text (never a pattern). */
  under(column: string): string
  /** The grid level right below the prefix, '' when the key has no level there; sorting as bytes. */
  childOf(column: string): string
}

/**
 * The report's statements and the figures' filters over one store's `GridSql`. Each statement is
 * grouped by a key `k` ('' for the totals, or the grid level right below the prefix) and ordered by
 * it, so both stores answer the same rows in the same order. Aliases are quoted where PostgreSQL would
 * fold their case.
 */
export class FigureSql {
  readonly grid: GridSql
  /** The window's alarms under the prefix: raised in [from, to). */
  readonly inWindow: string

  constructor(grid: GridSql) {
    this.grid = grid
    this.inWindow = `${grid.under('a.grid')} AND a.raised_at >= :from AND a.raised_at < :to`
  }

  key(byChild: boolean, column: string): string {
    return byChild ? this.grid.childOf(column) : "''"
  }

  counts(byChild: boolean): string {
    return `SELECT ${this.key(byChild, 'a.grid')} AS k, count(*) AS alarms,
        count(*) FILTER (WHERE a.state = 'resolved') AS resolved,
        count(*) FILTER (WHERE a.state <> 'cancelled') AS "notCancelled",
        count(*) FILTER (WHERE a.priority <= 3) AS dispatched,
        count(*) FILTER (WHERE a.priority <= 3 AND a.escalated = 1) AS escalated,
        count(*) FILTER (WHERE a.arrived_at IS NOT NULL) AS arrived,
        count(*) FILTER (WHERE a.arrival_flagged = 1) AS flagged,
        count(*) FILTER (WHERE ${due}) AS due,
        count(*) FILTER (WHERE ${due} AND a.arrived_at - a.raised_at <= ${ON_TIME_MS}) AS "onTime",
        count(*) FILTER (WHERE ${closedUnrated}) AS "closedUnrated"
      FROM alarms a WHERE ${this.inWindow} GROUP BY k ORDER BY k`
  }

  /**
   * Median and p90 by nearest rank (docs/stats.md) of the window's `column − raised_at`: the p-th percentile
   * is the value at rank ⌈p·n/100⌉ of the n sorted values, which is the smallest value with at least p % of
   * the values at or below it, i.e. the first whose cume_dist() reaches p/100 (one sort, no second pass for n).
   */
  timing(byChild: boolean, column: 'accepted_at' | 'arrived_at'): string {
    return `SELECT k, count(*) AS n,
        min(CASE WHEN cd >= 0.5 THEN ms END) AS median,
        min(CASE WHEN cd >= 0.9 THEN ms END) AS p90
      FROM (
        SELECT k, ms, cume_dist() OVER (PARTITION BY k ORDER BY ms) AS cd
        FROM (
          SELECT ${this.key(byChild, 'a.grid')} AS k, a.${column} - a.raised_at AS ms
          FROM alarms a WHERE ${this.inWindow} AND a.${column} IS NOT NULL
        ) AS timed
      ) AS ranked
      GROUP BY k ORDER BY k`
  }

  /** Devices of the elders under the prefix, as they are now (not windowed: the store keeps only the latest). */
  devices(byChild: boolean): string {
    return `SELECT ${this.key(byChild, 'e.grid')} AS k, count(*) AS devices,
        count(*) FILTER (WHERE d.online = 1) AS online,
        count(*) FILTER (WHERE ${silent}) AS silent
      FROM devices d JOIN elders e ON e.id = d.elder_id
      WHERE ${this.grid.under('e.grid')} GROUP BY k ORDER BY k`
  }

  /** The window's accepted alarms per accept-time bin: bin i holds [edges[i − 1], edges[i]) (docs/stats.md). */
  accepts(edgesMs: readonly number[]): string {
    const bin = `CASE ${edgesMs.map((e, i) => `WHEN ms < ${Number(e)} THEN ${i}`).join(' ')} ELSE ${edgesMs.length} END`
    return `SELECT ${bin} AS bin, count(*) AS n
      FROM (SELECT a.accepted_at - a.raised_at AS ms FROM alarms a
        WHERE ${this.inWindow} AND a.accepted_at IS NOT NULL) AS accepted
      GROUP BY bin ORDER BY bin`
  }
}
