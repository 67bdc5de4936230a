import { type AlarmKind, alarmKinds, type RatingSource, ratingSources } from '../alarms/model.ts'
import type { CountsRow, ReportRows, TimingRow, Window } from './ports.ts'

/** A part of a whole: `count` of `of`, and their ratio (null when `of` is 0). */
export interface Share {
  count: number
  of: number
  rate: number | null
}

export interface Timing {
  /** How many alarms have the time (the percentiles' sample). */
  n: number
  median: number | null
  p90: number | null
}

/** Every figure of GET /stats, for the totals and for each child grid (docs/stats.md defines each). */
export interface Figures {
  alarms: number
  byKind: Record<AlarmKind, number>
  byPriority: Record<'1' | '2' | '3' | '4', number>
  acceptMs: Timing
  arriveMs: Timing
  onTime: Share
  completed: Share
  escalated: Share
  flaggedArrivals: Share
  devices: { count: number; online: number; silent24h: number; onlineRate: number | null }
  ratings: {
    count: number
    mean: number | null
    byScore: Record<'1' | '2' | '3' | '4' | '5', number>
    by: Record<RatingSource, number>
    /** Closed alarms of the window with no rating yet: what the call-back worklist still holds. */
    unrated: number
  }
}

export interface StatsReport {
  from: number
  to: number
  grid: string[]
  /** When the device figures were taken. */
  at: number
  totals: Figures
  children: ({ grid: string[]; name: string } & Figures)[]
}

const share = (count: number, of: number): Share => ({ count, of, rate: of === 0 ? null : count / of })

function empty(): Figures {
  return {
    alarms: 0,
    byKind: Object.fromEntries(alarmKinds.map((k) => [k, 0])) as Record<AlarmKind, number>,
    byPriority: { '1': 0, '2': 0, '3': 0, '4': 0 },
    acceptMs: { n: 0, median: null, p90: null },
    arriveMs: { n: 0, median: null, p90: null },
    onTime: share(0, 0),
    completed: share(0, 0),
    escalated: share(0, 0),
    flaggedArrivals: share(0, 0),
    devices: { count: 0, online: 0, silent24h: 0, onlineRate: null },
    ratings: {
      count: 0,
      mean: null,
      byScore: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 },
      by: Object.fromEntries(ratingSources.map((s) => [s, 0])) as Record<RatingSource, number>,
      unrated: 0,
    },
  }
}

/** The additive counts of a group, summed over child rows for the totals. */
interface Tally {
  counts: Omit<CountsRow, 'k'>
  kinds: { kind: string; priority: number; n: number }[]
  ratings: { score: number; by: string; n: number }[]
  devices: { devices: number; online: number; silent: number }
}

function tally(): Tally {
  return {
    counts: {
      alarms: 0,
      resolved: 0,
      notCancelled: 0,
      dispatched: 0,
      escalated: 0,
      arrived: 0,
      flagged: 0,
      due: 0,
      onTime: 0,
      closedUnrated: 0,
    },
    kinds: [],
    ratings: [],
    devices: { devices: 0, online: 0, silent: 0 },
  }
}

function addCounts(t: Tally, c: CountsRow): void {
  for (const key of Object.keys(t.counts) as (keyof Tally['counts'])[]) t.counts[key] += c[key]
}

/** The figures of a tally; docs/stats.md defines each. */
function figuresOf(t: Tally): Figures {
  const f = empty()
  const c = t.counts
  f.alarms = c.alarms
  f.onTime = share(c.onTime, c.due)
  f.completed = share(c.resolved, c.notCancelled)
  f.escalated = share(c.escalated, c.dispatched)
  f.flaggedArrivals = share(c.flagged, c.arrived)
  for (const r of t.kinds) {
    if (r.kind in f.byKind) f.byKind[r.kind as AlarmKind] += r.n
    const p = String(r.priority)
    if (p === '1' || p === '2' || p === '3' || p === '4') f.byPriority[p] += r.n
  }
  let sum = 0
  for (const r of t.ratings) {
    f.ratings.count += r.n
    sum += r.score * r.n
    const score = String(r.score)
    if (score === '1' || score === '2' || score === '3' || score === '4' || score === '5')
      f.ratings.byScore[score] += r.n
    if ((ratingSources as readonly string[]).includes(r.by)) f.ratings.by[r.by as RatingSource] += r.n
  }
  f.ratings.mean = f.ratings.count === 0 ? null : sum / f.ratings.count
  f.ratings.unrated = c.closedUnrated
  const d = t.devices
  f.devices = {
    count: d.devices,
    online: d.online,
    silent24h: d.silent,
    onlineRate: d.devices === 0 ? null : d.online / d.devices,
  }
  return f
}

const timing = (t: TimingRow): Timing => ({ n: t.n, median: t.median, p90: t.p90 })

/** The drill-down stops at the grid level (street → community → grid): below a grid it is empty. */
export function hasChildren(grid: readonly string[]): boolean {
  return grid.length < 3
}

/**
 * GET /stats: the figures of a grid and of each grid one level below it, from the store's counts
 * (StatsQueries.report with `hasChildren(grid)`). `grid` is the asked path; the window's prefix its
 * grid key.
 */
export function reportOf(grid: string[], w: Window, rows: ReportRows): StatsReport {
  // Counts add up, so one grouped pass per figure family serves the children and the totals alike
  // (rows of elders registered exactly at the asked level have the key '' and join only the totals).
  const total = tally()
  const groups = new Map<string, Tally>()
  const of = (k: string): Tally => {
    const known = groups.get(k)
    if (known) return known
    const made = tally()
    groups.set(k, made)
    return made
  }
  for (const c of rows.counts) {
    addCounts(total, c)
    addCounts(of(c.k), c)
  }
  for (const r of rows.kinds) {
    total.kinds.push(r)
    of(r.k).kinds.push(r)
  }
  for (const r of rows.ratings) {
    total.ratings.push(r)
    of(r.k).ratings.push(r)
  }
  for (const d of rows.devices) {
    for (const t of [total, of(d.k)]) {
      t.devices.devices += d.devices
      t.devices.online += d.online
      t.devices.silent += d.silent
    }
  }
  const totals = figuresOf(total)
  for (const t of rows.accept) totals.acceptMs = timing(t)
  for (const t of rows.arrive) totals.arriveMs = timing(t)
  const deep = !hasChildren(grid)
  const children = new Map(
    deep ? [] : [...groups].filter(([k]) => k !== '').map(([k, t]) => [k, figuresOf(t)] as const),
  )
  for (const t of rows.acceptByChild) {
    const f = children.get(t.k)
    if (f) f.acceptMs = timing(t)
  }
  for (const t of rows.arriveByChild) {
    const f = children.get(t.k)
    if (f) f.arriveMs = timing(t)
  }
  return {
    from: w.from,
    to: w.to,
    grid,
    at: w.now,
    totals,
    children: [...children]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, f]) => ({ grid: [...grid, name], name, ...f })),
  }
}
