import type { RiskGrade } from './plan.ts'

/**
 * The service ledger summarised for supervision (docs/visits.md, "Figures"): per grid, per station
 * and per risk grade. Planned visits count by their due day in the window; reports by the day filed.
 *
 * - `due` = `onTime` + `late` + `missed` + `pending`: every planned visit due in the window;
 *   `onTime` done without being late, `late` done after its due day, `missed` never done,
 *   `pending` not yet signed out (due, or on site now).
 * - `flagged`: visits signed in far from the home, without a fix or without a photo.
 * - `onSiteMin`: minutes from sign-in to sign-out of the visits done.
 * - `needs.raised`: visits and reports that noted a need; `needs.followedUp`: of those, the ones
 *   after which the elder was visited again (or a report filed).
 */

/** One visit as the store hands it over for counting. */
export interface VisitFact {
  /** The grid level right below the asked one ('' at the asked level itself). */
  k: string
  stationId: string | null
  risk: RiskGrade
  planned: boolean
  status: 'due' | 'on_site' | 'done' | 'missed'
  late: boolean
  flagged: boolean
  onSiteS: number | null
  needs: boolean
  followedUp: boolean
  helpNeeded: boolean
}

export interface VisitFigures {
  due: number
  onTime: number
  late: number
  missed: number
  pending: number
  /** Done (on time or late) over due: the share of planned care given. */
  doneRate: number | null
  reports: number
  flagged: number
  onSiteMin: { n: number; median: number | null; p90: number | null }
  needs: { raised: number; followedUp: number }
  helpNeeded: number
}

export interface VisitSummary {
  totals: VisitFigures
  byGrid: ({ name: string } & VisitFigures)[]
  byStation: ({ stationId: string } & VisitFigures)[]
  byRisk: Record<RiskGrade, VisitFigures>
}

interface Tally {
  due: number
  onTime: number
  late: number
  missed: number
  pending: number
  reports: number
  flagged: number
  onSite: number[]
  raised: number
  followedUp: number
  helpNeeded: number
}

const tally = (): Tally => ({
  due: 0,
  onTime: 0,
  late: 0,
  missed: 0,
  pending: 0,
  reports: 0,
  flagged: 0,
  onSite: [],
  raised: 0,
  followedUp: 0,
  helpNeeded: 0,
})

function add(t: Tally, f: VisitFact): void {
  if (f.planned) {
    t.due++
    if (f.status === 'done') {
      if (f.late) t.late++
      else t.onTime++
    } else if (f.status === 'missed') t.missed++
    else t.pending++
  } else t.reports++
  if (f.flagged) t.flagged++
  if (f.onSiteS !== null && f.status === 'done') t.onSite.push(f.onSiteS / 60)
  if (f.needs) {
    t.raised++
    if (f.followedUp) t.followedUp++
  }
  if (f.helpNeeded) t.helpNeeded++
}

function figures(t: Tally): VisitFigures {
  const sorted = t.onSite.sort((a, b) => a - b)
  const done = t.onTime + t.late
  return {
    due: t.due,
    onTime: t.onTime,
    late: t.late,
    missed: t.missed,
    pending: t.pending,
    doneRate: t.due === 0 ? null : done / t.due,
    reports: t.reports,
    flagged: t.flagged,
    onSiteMin: { n: sorted.length, median: rank(sorted, 0.5), p90: rank(sorted, 0.9) },
    needs: { raised: t.raised, followedUp: t.followedUp },
    helpNeeded: t.helpNeeded,
  }
}

/** Nearest-rank percentile, rounded to a tenth of a minute. */
function rank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const value = sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number
  return Math.round(value * 10) / 10
}

export function summarise(facts: Iterable<VisitFact>): VisitSummary {
  const total = tally()
  const grids = new Map<string, Tally>()
  const stations = new Map<string, Tally>()
  const risks: Record<RiskGrade, Tally> = { high: tally(), medium: tally(), low: tally(), safe: tally() }
  const into = (map: Map<string, Tally>, key: string): Tally => {
    const known = map.get(key)
    if (known) return known
    const made = tally()
    map.set(key, made)
    return made
  }
  for (const f of facts) {
    add(total, f)
    if (f.k !== '') add(into(grids, f.k), f)
    if (f.stationId !== null) add(into(stations, f.stationId), f)
    add(risks[f.risk], f)
  }
  const sortedBy = <T>(map: Map<string, Tally>, make: (key: string, f: VisitFigures) => T): T[] =>
    [...map.keys()].sort().map((key) => make(key, figures(map.get(key) as Tally)))
  return {
    totals: figures(total),
    byGrid: sortedBy(grids, (name, f) => ({ name, ...f })),
    byStation: sortedBy(stations, (stationId, f) => ({ stationId, ...f })),
    byRisk: {
      high: figures(risks.high),
      medium: figures(risks.medium),
      low: figures(risks.low),
      safe: figures(risks.safe),
    },
  }
}
