import type { Outcome } from '../../kernel/contract/payloads.ts'
import type { AlarmKind, AlarmState, Priority } from '../alarms/model.ts'
import type { VisitSummary } from '../visits/figures.ts'
import type { RiskGrade } from '../visits/plan.ts'
import type { Day } from './days.ts'

export type { Day }

/**
 * The figures of GET /stats, the supervision charts and the worklists, as grouped counts the store
 * answers (docs/stats.md defines each). The domain (./stats.ts, ./charts.ts, ./lists.ts) turns them
 * into the reports; the store counts over every alarm of the window, off the event loop.
 */

/** What every query is narrowed by: a grid key prefix (gridKey form), the alarm window, and "now". */
export interface Window {
  prefix: string
  from: number
  to: number
  now: number
}

/** docs/stats.md: on time = arrival at most 15 min after raised (contract: dispatch rules). */
export const ON_TIME_MS = 15 * 60_000
/** docs/stats.md: a device is silent when nothing was heard from it for more than 24 h. */
export const SILENT_MS = 24 * 3_600_000

/**
 * Rows are keyed by `k`: with `children`, the grid level right below the prefix ('' for elders
 * registered at the prefix itself); without, '' for all.
 */
export interface CountsRow {
  k: string
  alarms: number
  resolved: number
  notCancelled: number
  dispatched: number
  escalated: number
  arrived: number
  flagged: number
  due: number
  onTime: number
  closedUnrated: number
}

export interface KindRow {
  k: string
  kind: string
  priority: number
  n: number
}

export interface RatingRow {
  k: string
  score: number
  by: string
  n: number
}

export interface DeviceCountRow {
  k: string
  devices: number
  online: number
  silent: number
}

/** Median and p90 by nearest rank (docs/stats.md) of `n` intervals from the raise. */
export interface TimingRow {
  k: string
  n: number
  median: number | null
  p90: number | null
}

/** Everything GET /stats counts, in one answer. */
export interface ReportRows {
  /** By child key (see `children`), summed for the totals. */
  counts: CountsRow[]
  kinds: KindRow[]
  ratings: RatingRow[]
  devices: DeviceCountRow[]
  /** Over the whole window. */
  accept: TimingRow[]
  arrive: TimingRow[]
  /** By child key, when asked for children. */
  acceptByChild: TimingRow[]
  arriveByChild: TimingRow[]
}

/** The charts' counts: alarms per day (its index in the days asked) and kind, and accept times in bins. */
export interface ChartRows {
  days: { i: number; kind: string; n: number; due: number; onTime: number }[]
  /** Bin i holds accept times in [edges[i − 1], edges[i]); the last bin those at or past the last edge. */
  accepts: { bin: number; n: number }[]
}

export const worklists = ['late', 'flagged', 'unrated', 'silent'] as const
export type WorklistName = (typeof worklists)[number]

/** An alarm as a worklist shows it: the alarm's own fields and its elder's name. */
export interface AlarmRow {
  id: string
  kind: AlarmKind
  priority: Priority
  state: AlarmState
  raisedAt: number
  elderId: string
  /** Absent for an elder since erased. */
  elderName?: string
  carerId?: string
  acceptedAt?: number
  arrivedAt?: number
  outcome?: Outcome
  arrivalDistanceM?: number
}

export interface DeviceRow {
  id: string
  kind: string
  elderId: string
  elderName?: string
  online: boolean
  lastSeenAt?: number
  createdAt: number
}

/** One page of a worklist: `total` counts every row over all pages. */
export interface WorklistPage {
  total: number
  items: (AlarmRow | DeviceRow)[]
  next?: string | undefined
}

/** The supervision figures, counted by the store. */
export interface StatsQueries {
  report(w: Window, children: boolean): Promise<ReportRows>
  /** `edgesMs`: the accept-time bins' edges, ascending. */
  charts(w: Window, days: readonly Day[], edgesMs: readonly number[]): Promise<ChartRows>
  /** Alarm lists newest first, the silent list longest silent first; the cursor is opaque. */
  worklist(list: WorklistName, w: Window, limit: number, cursor: string | undefined): Promise<WorklistPage>
  /** The service ledger summarised: planned visits due from `fromDay` to `toDay`, reports filed in the window. */
  visits(w: Window & { fromDay: string; toDay: string }): Promise<VisitSummary>
  /** The window's alarms per risk grade, against each grade's response deadline (ms). */
  grades(w: Window & { responseMs: Readonly<Record<RiskGrade, number>> }): Promise<GradeFigures[]>
}

/** Graded response (docs/visits.md): one risk grade's alarms of the window. */
export interface GradeFigures {
  risk: RiskGrade
  alarms: number
  /** Not held for the centre (priority 1–3): the alarms a response deadline applies to. */
  responded: number
  arrived: number
  withinDeadline: number
  overdue: number
}
