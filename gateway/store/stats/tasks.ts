import type {
  ChartRows,
  Day,
  GradeFigures,
  ReportRows,
  StatsQueries,
  Window,
  WorklistName,
  WorklistPage,
} from '../../stats/ports.ts'
import type { VisitSummary } from '../../visits/figures.ts'
import type { RiskGrade } from '../../visits/plan.ts'

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

/** Each of StatsQueries' questions as a task either store's runner answers (docs/stats.md). */
export type StatsTask =
  | { type: 'report'; window: Window; children: boolean }
  | { type: 'charts'; window: Window; days: readonly Day[]; edgesMs: readonly number[] }
  | { type: 'list'; list: WorklistName; window: Window; limit: number; cursor?: string | undefined }
  | { type: 'visits'; window: VisitWindow }
  | { type: 'grades'; window: GradeWindow }

export interface StatsAnswers {
  report: ReportRows
  charts: ChartRows
  list: WorklistPage
  visits: VisitSummary
  grades: GradeRow[]
}

/** The questions of StatsQueries, each put to `run` as its task: what both stores' runners share. */
export abstract class TaskQueries implements StatsQueries {
  abstract run<T extends StatsTask>(task: T): Promise<StatsAnswers[T['type']]>

  report(window: Window, children: boolean): Promise<ReportRows> {
    return this.run({ type: 'report', window, children })
  }

  charts(window: Window, days: readonly Day[], edgesMs: readonly number[]): Promise<ChartRows> {
    return this.run({ type: 'charts', window, days, edgesMs })
  }

  worklist(
    list: WorklistName,
    window: Window,
    limit: number,
    cursor: string | undefined,
  ): Promise<WorklistPage> {
    return this.run({ type: 'list', list, window, limit, cursor })
  }

  visits(window: VisitWindow): Promise<VisitSummary> {
    return this.run({ type: 'visits', window })
  }

  grades(window: GradeWindow): Promise<GradeRow[]> {
    return this.run({ type: 'grades', window })
  }
}
