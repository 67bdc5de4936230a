import type { DatabaseSync } from 'node:sqlite'
import type { GradeFigures, Window } from '../../../stats/ports.ts'
import { dayNumber } from '../../../visits/days.ts'
import { summarise, type VisitFact, type VisitSummary } from '../../../visits/figures.ts'
import type { RiskGrade } from '../../../visits/plan.ts'

/** What the visit figures count: planned visits due on these days (both included), reports filed in the window. */
export interface VisitWindow extends Window {
  fromDay: string
  toDay: string
}

/** The window's alarms by the elder's risk grade, with each grade's response deadline (ms). */
export interface GradeWindow extends Window {
  responseMs: Readonly<Record<RiskGrade, number>>
}

export type GradeRow = GradeFigures

/**
 * Graded response (docs/visits.md): per risk grade (the elder's grade now; an erased elder's alarms
 * have none and are left out), the alarms, those reached, those reached within the grade's deadline,
 * and those marked overdue.
 */
export function gradeRows(db: DatabaseSync, w: GradeWindow): GradeRow[] {
  const rows = db
    .prepare(
      `SELECT json_extract(e.doc, '$.risk') AS risk, count(*) AS alarms,
         sum(a.priority < 4) AS responded,
         sum(a.arrived_at IS NOT NULL) AS arrived,
         sum(a.arrived_at IS NOT NULL AND a.arrived_at - a.raised_at <= CASE json_extract(e.doc, '$.risk')
           WHEN 'high' THEN :high WHEN 'medium' THEN :medium WHEN 'low' THEN :low ELSE :safe END) AS within,
         sum(a.overdue_at IS NOT NULL) AS overdue
       FROM alarms a JOIN elders e ON e.id = a.elder_id
       WHERE substr(a.grid, 1, length(:prefix)) = :prefix AND a.raised_at >= :from AND a.raised_at < :to
       GROUP BY risk`,
    )
    .all({ prefix: w.prefix, from: w.from, to: w.to, ...w.responseMs }) as Row[]
  return rows.map((r) => ({
    risk: String(r.risk) as RiskGrade,
    alarms: Number(r.alarms),
    responded: Number(r.responded ?? 0),
    arrived: Number(r.arrived ?? 0),
    withinDeadline: Number(r.within ?? 0),
    overdue: Number(r.overdue ?? 0),
  }))
}

type Row = Record<string, unknown>

const FLAGGED = new Set(['far', 'no_fix', 'no_photo'])

/**
 * The service ledger under a grid prefix, summarised (gateway/visits/figures.ts): one pass over the
 * window's visits on the stats worker's connection; a need is followed up when the elder has a visit
 * or report done after the one that noted it.
 */
export function visitSummary(db: DatabaseSync, w: VisitWindow): VisitSummary {
  const rows = db
    .prepare(
      `SELECT v.grid, v.station_id, v.risk, v.kind, v.status, v.on_site_s,
         json_extract(v.doc, '$.flags') AS flags,
         coalesce(json_array_length(v.doc, '$.report.needs'), 0) AS needs,
         json_extract(v.doc, '$.report.condition') AS condition,
         CASE WHEN coalesce(json_array_length(v.doc, '$.report.needs'), 0) > 0 THEN EXISTS (
           SELECT 1 FROM visits l WHERE l.elder_id = v.elder_id AND l.status = 'done'
             AND l.signed_in_at > v.signed_in_at) ELSE 0 END AS followed
       FROM visits v
       WHERE substr(v.grid, 1, length(:prefix)) = :prefix AND (
         (v.kind = 'planned' AND v.day_n >= :fromDay AND v.day_n <= :toDay)
         OR (v.kind <> 'planned' AND v.signed_in_at >= :from AND v.signed_in_at < :to))`,
    )
    .all({
      prefix: w.prefix,
      fromDay: dayNumber(w.fromDay),
      toDay: dayNumber(w.toDay),
      from: w.from,
      to: w.to,
    }) as Row[]
  return summarise(rows.map((r) => factOf(r, w.prefix)))
}

function factOf(r: Row, prefix: string): VisitFact {
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
