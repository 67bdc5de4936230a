import type { DatabaseSync } from 'node:sqlite'
import { Charts, type ChartsReport } from './charts.ts'
import type { Day } from './days.ts'
import { type Worklist, type WorklistName, Worklists } from './lists.ts'
import type { Window } from './queries.ts'
import { Stats, type StatsReport } from './stats.ts'

/** What a stats worker is asked: each kind of answer the supervision API gives (docs/stats.md). */
export type StatsTask =
  | { type: 'report'; grid: string[]; window: Window }
  | { type: 'charts'; grid: string[]; window: Window; tz: string; days: Day[] }
  | {
      type: 'list'
      list: WorklistName
      grid: string[]
      window: Window
      limit: number
      cursor?: string | undefined
    }

export interface StatsAnswers {
  report: StatsReport
  charts: ChartsReport
  list: Worklist
}

/** The answer to a task, over any connection to the store. */
export function answer<T extends StatsTask>(db: DatabaseSync, task: T): StatsAnswers[T['type']] {
  switch (task.type) {
    case 'report':
      return new Stats(db).report(task.grid, task.window) as StatsAnswers[T['type']]
    case 'charts':
      return new Charts(db).report(task.grid, task.window, task.tz, task.days) as StatsAnswers[T['type']]
    case 'list':
      return new Worklists(db).page(
        task.list,
        task.grid,
        task.window,
        task.limit,
        task.cursor,
      ) as StatsAnswers[T['type']]
  }
}
