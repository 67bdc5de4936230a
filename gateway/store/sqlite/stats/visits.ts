import type { DatabaseSync } from 'node:sqlite'
import { dayNumber } from '../../../visits/days.ts'
import { summarise, type VisitSummary } from '../../../visits/figures.ts'
import { gradeRow, type Row, visitFact } from '../../stats/rows.ts'
import type { GradeRow, GradeWindow, VisitWindow } from '../../stats/tasks.ts'
import { figures } from './queries.ts'

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
       WHERE ${figures.inWindow}
       GROUP BY risk ORDER BY risk`,
    )
    .all({ prefix: w.prefix, from: w.from, to: w.to, ...w.responseMs }) as Row[]
  return rows.map(gradeRow)
}

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
       WHERE ${figures.grid.under('v.grid')} AND (
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
  return summarise(rows.map((r) => visitFact(r, w.prefix)))
}
