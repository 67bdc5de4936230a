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

  async report(grid: string[], w: Window): Promise<StatsReport> {
    return reportOf(grid, w, await this.#q.report(w, hasChildren(grid)))
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
