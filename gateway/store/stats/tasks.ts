import type {
  ChartRows,
  Day,
  GradeFigures,
  ReportRows,
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
