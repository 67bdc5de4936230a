import { dayAt } from '../visits/days.ts'
import type { VisitSummary } from '../visits/figures.ts'
import { type RiskGrade, riskGrades } from '../visits/plan.ts'
import { acceptEdgesMs, type ChartsReport, chartsOf } from './charts.ts'
import type { Day } from './days.ts'
import { type Worklist, worklistOf } from './lists.ts'
import type { GradeFigures, StatsQueries, Window, WorklistName } from './ports.ts'
import { hasChildren, reportOf, type StatsReport } from './stats.ts'

/**
 * The supervision figures (docs/stats.md): GET /stats, its charts and its worklists, from the
 * store's counts. The store counts off the event loop (its adapter runs them in worker threads), so
 * a report over a long window never delays a PUBACK or an offer.
 */
export class StatsService {
  readonly #q: StatsQueries

  constructor(queries: StatsQueries) {
    this.#q = queries
  }

  /**
   * The KPIs; with the visits' zone and the graded response deadlines, also the service ledger's
   * figures (visits due on the window's days there) and the alarms per risk grade.
   */
  async report(
    grid: string[],
    w: Window,
    graded?: { zone: string; responseMin: Readonly<Record<RiskGrade, number>> },
  ): Promise<
    StatsReport & {
      visits?: VisitSummary
      byRisk?: Record<RiskGrade, GradeFigures & { deadlineMin: number }>
    }
  > {
    const [rows, visits, grades] = await Promise.all([
      this.#q.report(w, hasChildren(grid)),
      graded &&
        this.#q.visits({
          ...w,
          fromDay: dayAt(w.from, graded.zone),
          toDay: dayAt(Math.max(w.from, w.to - 1), graded.zone),
        }),
      graded && this.#q.grades({ ...w, responseMs: minutesToMs(graded.responseMin) }),
    ])
    const report = reportOf(grid, w, rows)
    if (!visits || !grades) return report
    return { ...report, visits, byRisk: byRiskOf(grades, graded?.responseMin) }
  }

  async charts(grid: string[], w: Window, tz: string, days: Day[]): Promise<ChartsReport> {
    return chartsOf(grid, w, tz, days, await this.#q.charts(w, days, acceptEdgesMs))
  }

  async worklist(
    list: WorklistName,
    grid: string[],
    w: Window,
    limit: number,
    cursor: string | undefined,
  ): Promise<Worklist> {
    return worklistOf(list, grid, w, await this.#q.worklist(list, w, limit, cursor))
  }
}

function minutesToMs(m: Readonly<Record<RiskGrade, number>>): Record<RiskGrade, number> {
  return { high: m.high * 60_000, medium: m.medium * 60_000, low: m.low * 60_000, safe: m.safe * 60_000 }
}

/** Every grade, with its deadline, zeros where the window had none of its alarms. */
function byRiskOf(
  rows: readonly GradeFigures[],
  responseMin: Readonly<Record<RiskGrade, number>> | undefined,
): Record<RiskGrade, GradeFigures & { deadlineMin: number }> {
  const out = {} as Record<RiskGrade, GradeFigures & { deadlineMin: number }>
  for (const risk of riskGrades) {
    const row = rows.find((r) => r.risk === risk)
    out[risk] = {
      risk,
      alarms: row?.alarms ?? 0,
      responded: row?.responded ?? 0,
      arrived: row?.arrived ?? 0,
      withinDeadline: row?.withinDeadline ?? 0,
      overdue: row?.overdue ?? 0,
      deadlineMin: responseMin?.[risk] ?? 0,
    }
  }
  return out
}
