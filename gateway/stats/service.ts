import { dayAt } from '../visits/days.ts'
import type { VisitSummary } from '../visits/figures.ts'
import { acceptEdgesMs, type ChartsReport, chartsOf } from './charts.ts'
import type { Day } from './days.ts'
import { type Worklist, worklistOf } from './lists.ts'
import type { StatsQueries, Window, WorklistName } from './ports.ts'
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

  /** The KPIs; with a time zone, the service ledger's figures too (visits due on the window's days there). */
  async report(
    grid: string[],
    w: Window,
    visitZone?: string,
  ): Promise<StatsReport & { visits?: VisitSummary }> {
    const [rows, visits] = await Promise.all([
      this.#q.report(w, hasChildren(grid)),
      visitZone === undefined
        ? undefined
        : this.#q.visits({
            ...w,
            fromDay: dayAt(w.from, visitZone),
            toDay: dayAt(Math.max(w.from, w.to - 1), visitZone),
          }),
    ])
    const report = reportOf(grid, w, rows)
    return visits ? { ...report, visits } : report
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
