import { dayNumber } from '../../../visits/days.ts'
import { summarise, type VisitSummary } from '../../../visits/figures.ts'
import { gradeRow, visitFact } from '../../stats/rows.ts'
import type { GradeRow, GradeWindow, VisitWindow } from '../../stats/tasks.ts'
import type { Queryable } from '../db.ts'
import { rowsOf } from './named.ts'
import { figures } from './queries.ts'

/**
 * Graded response (docs/visits.md) on PostgreSQL, the twin of ../../sqlite/stats/visits.ts: per risk
 * grade (the elder's grade now; an erased elder's alarms have none and are left out), the alarms, those
 * reached, those reached within the grade's deadline, and those marked overdue. An elder without a
 * grade makes a row of its own, first, as in SQLite.
 */
export async function gradeRows(q: Queryable, w: GradeWindow): Promise<GradeRow[]> {
  const risk = `(e.doc::jsonb ->> 'risk')`
  const rows = await rowsOf(
    q,
    `SELECT ${risk} COLLATE "C" AS risk, count(*) AS alarms,
       count(*) FILTER (WHERE a.priority < 4) AS responded,
       count(*) FILTER (WHERE a.arrived_at IS NOT NULL) AS arrived,
       count(*) FILTER (WHERE a.arrived_at IS NOT NULL AND a.arrived_at - a.raised_at <= CASE ${risk}
         WHEN 'high' THEN CAST(:high AS bigint) WHEN 'medium' THEN CAST(:medium AS bigint)
         WHEN 'low' THEN CAST(:low AS bigint) ELSE CAST(:safe AS bigint) END) AS within,
       count(*) FILTER (WHERE a.overdue_at IS NOT NULL) AS overdue
     FROM alarms a JOIN elders e ON e.id = a.elder_id
     WHERE ${figures.inWindow}
     GROUP BY 1 ORDER BY 1 NULLS FIRST`,
    { prefix: w.prefix, from: w.from, to: w.to, ...w.responseMs },
  )
  return rows.map(gradeRow)
}

/** How many needs a visit's report noted: 0 without a report or a list of needs (as SQLite counts them). */
const needs = `CASE jsonb_typeof(v.doc::jsonb #> '{report,needs}')
  WHEN 'array' THEN jsonb_array_length(v.doc::jsonb #> '{report,needs}') ELSE 0 END`

/**
 * The service ledger under a grid prefix, summarised (gateway/visits/figures.ts): one pass over the
 * window's visits; a need is followed up when the elder has a visit or report done after the one that
 * noted it.
 */
export async function visitSummary(q: Queryable, w: VisitWindow): Promise<VisitSummary> {
  const rows = await rowsOf(
    q,
    `SELECT v.grid, v.station_id, v.risk, v.kind, v.status, v.on_site_s,
       v.doc::jsonb ->> 'flags' AS flags,
       ${needs} AS needs,
       v.doc::jsonb #>> '{report,condition}' AS condition,
       CASE WHEN ${needs} > 0 AND EXISTS (
         SELECT 1 FROM visits l WHERE l.elder_id = v.elder_id AND l.status = 'done'
           AND l.signed_in_at > v.signed_in_at) THEN 1 ELSE 0 END AS followed
     FROM visits v
     WHERE ${figures.grid.under('v.grid')} AND (
       (v.kind = 'planned' AND v.day_n >= :fromDay AND v.day_n <= :toDay)
       OR (v.kind <> 'planned' AND v.signed_in_at >= :from AND v.signed_in_at < :to))`,
    {
      prefix: w.prefix,
      fromDay: dayNumber(w.fromDay),
      toDay: dayNumber(w.toDay),
      from: w.from,
      to: w.to,
    },
  )
  return summarise(rows.map((r) => visitFact(r, w.prefix)))
}
