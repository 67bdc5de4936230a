import type { DatabaseSync } from 'node:sqlite'
import type { StatsAnswers, StatsTask } from '../../stats/tasks.ts'
import { ChartQueries } from './charts.ts'
import { WorklistQueries } from './lists.ts'
import { ReportQueries } from './queries.ts'
import { gradeRows, visitSummary } from './visits.ts'

/** What a stats worker is asked: each of StatsQueries' questions (docs/stats.md). */
export type { StatsAnswers, StatsTask }

/** The answer to a task, over any connection to the store. */
export function answer<T extends StatsTask>(db: DatabaseSync, task: T): StatsAnswers[T['type']] {
  switch (task.type) {
    case 'report':
      return new ReportQueries(db).report(task.window, task.children) as StatsAnswers[T['type']]
    case 'charts':
      return new ChartQueries(db).charts(task.window, task.days, task.edgesMs) as StatsAnswers[T['type']]
    case 'list':
      return new WorklistQueries(db).page(
        task.list,
        task.window,
        task.limit,
        task.cursor,
      ) as StatsAnswers[T['type']]
    case 'visits':
      return visitSummary(db, task.window) as StatsAnswers[T['type']]
    case 'grades':
      return gradeRows(db, task.window) as StatsAnswers[T['type']]
  }
}
