import { type AlarmKind, alarmKinds } from '../alarms/model.ts'
import type { Day } from './days.ts'
import type { ChartRows, Window } from './ports.ts'
import type { Share } from './stats.ts'

/**
 * The supervision page's charts over every alarm of the window (docs/stats.md, "Charts"): alarms per
 * day and kind, the on-time rate per day, and the time-to-accept distribution.
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
export const acceptEdgesMs: readonly number[] = ACCEPT_EDGES_MIN.map((m) => m * 60_000)

const share = (count: number, of: number): Share => ({ count, of, rate: of === 0 ? null : count / of })

/** The charts from the store's counts (StatsQueries.charts with `acceptEdgesMs`). */
export function chartsOf(grid: string[], w: Window, tz: string, days: Day[], rows: ChartRows): ChartsReport {
  return { from: w.from, to: w.to, grid, at: w.now, tz, days: daysOf(days, rows), acceptMs: acceptsOf(rows) }
}

function daysOf(days: Day[], rows: ChartRows): DayFigures[] {
  const out = days.map((d) => ({
    ...d,
    alarms: 0,
    byKind: Object.fromEntries(alarmKinds.map((k) => [k, 0])) as Record<AlarmKind, number>,
    tally: { due: 0, onTime: 0 },
  }))
  for (const r of rows.days) {
    const day = out[r.i]
    if (!day) continue
    day.alarms += r.n
    if (r.kind in day.byKind) day.byKind[r.kind as AlarmKind] += r.n
    day.tally.due += r.due
    day.tally.onTime += r.onTime
  }
  return out.map(({ tally, ...d }) => ({ ...d, onTime: share(tally.onTime, tally.due) }))
}

function acceptsOf(rows: ChartRows): { n: number; bins: AcceptBin[] } {
  const edges = acceptEdgesMs
  const bins: AcceptBin[] = [0, ...edges].map((fromMs, i) => ({ fromMs, toMs: edges[i] ?? null, count: 0 }))
  let n = 0
  for (const r of rows.accepts) {
    const b = bins[r.bin]
    if (b) b.count += r.n
    n += r.n
  }
  return { n, bins }
}
