import type { Outcome } from '../../../kernel/contract/payloads.ts'
import type { AlarmKind, AlarmState, Priority } from '../../alarms/model.ts'
import type {
  AlarmRow,
  CountsRow,
  DeviceCountRow,
  DeviceRow,
  GradeFigures,
  KindRow,
  RatingRow,
  TimingRow,
} from '../../stats/ports.ts'
import type { VisitFact } from '../../visits/figures.ts'
import type { RiskGrade } from '../../visits/plan.ts'

/** The figures' rows as either store returns them (column names as in the schema), turned into the port's values. */
export type Row = Record<string, unknown>

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined)
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

export function countsRow(r: Row): CountsRow {
  return {
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
  }
}

export function kindRow(r: Row): KindRow {
  return { k: String(r.k), kind: String(r.kind), priority: Number(r.priority), n: Number(r.n) }
}

export function ratingRow(r: Row): RatingRow {
  return { k: String(r.k), score: Number(r.score), by: String(r.src), n: Number(r.n) }
}

export function deviceCountRow(r: Row): DeviceCountRow {
  return { k: String(r.k), devices: Number(r.devices), online: Number(r.online), silent: Number(r.silent) }
}

export function timingRow(r: Row): TimingRow {
  return {
    k: String(r.k),
    n: Number(r.n),
    median: r.median === null ? null : Number(r.median),
    p90: r.p90 === null ? null : Number(r.p90),
  }
}

/** A risk grade's alarms (`risk` the elder's grade now). */
export function gradeRow(r: Row): GradeFigures {
  return {
    risk: String(r.risk) as RiskGrade,
    alarms: Number(r.alarms),
    responded: Number(r.responded ?? 0),
    arrived: Number(r.arrived ?? 0),
    withinDeadline: Number(r.within ?? 0),
    overdue: Number(r.overdue ?? 0),
  }
}

/** An alarm of a worklist, with its elder's name (`elder_name`, absent for an elder since erased). */
export function alarmRow(r: Row): AlarmRow {
  const row: AlarmRow = {
    id: String(r.id),
    kind: r.kind as AlarmKind,
    priority: Number(r.priority) as Priority,
    state: r.state as AlarmState,
    raisedAt: Number(r.raised_at),
    elderId: String(r.elder_id),
  }
  const optional = {
    elderName: text(r.elder_name),
    carerId: text(r.carer_id),
    acceptedAt: num(r.accepted_at),
    arrivedAt: num(r.arrived_at),
    outcome: text(r.outcome) as Outcome | undefined,
    arrivalDistanceM: num(r.arrival_distance_m),
  }
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(row, { [k]: v })
  return row
}

export function deviceRow(r: Row): DeviceRow {
  const row: DeviceRow = {
    id: String(r.id),
    kind: String(r.kind),
    elderId: String(r.elder_id),
    online: r.online === 1,
    createdAt: Number(r.created_at),
  }
  const name = text(r.elder_name)
  if (name !== undefined) row.elderName = name
  const seen = num(r.last_seen_at)
  if (seen !== undefined) row.lastSeenAt = seen
  return row
}

const FLAGGED = new Set(['far', 'no_fix', 'no_photo'])

/**
 * A visit as the ledger's figures count it (gateway/visits/figures.ts), from its row: `flags` the JSON
 * text of its flags, `needs` how many needs its report noted, `condition` the report's, and `followed`
 * 1 when the elder had a visit done after it.
 */
export function visitFact(r: Row, prefix: string): VisitFact {
  const flags = JSON.parse(String(r.flags ?? '[]')) as string[]
  const rest = String(r.grid).slice(prefix.length)
  const end = rest.indexOf('\u001f')
  return {
    k: end < 0 ? '' : rest.slice(0, end),
    stationId: r.station_id === null ? null : String(r.station_id),
    risk: String(r.risk) as RiskGrade,
    planned: r.kind === 'planned',
    status: String(r.status) as VisitFact['status'],
    late: flags.includes('late'),
    flagged: flags.some((f) => FLAGGED.has(f)),
    onSiteS: r.on_site_s === null ? null : Number(r.on_site_s),
    needs: Number(r.needs) > 0,
    followedUp: Number(r.followed) === 1,
    helpNeeded: r.condition === 'needs_help',
  }
}
