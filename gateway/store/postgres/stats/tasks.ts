import type { StatsAnswers, StatsTask } from '../../stats/tasks.ts'
import type { Queryable } from '../db.ts'
import { ChartQueries } from './charts.ts'
import { WorklistQueries } from './lists.ts'
import { ReportQueries } from './queries.ts'
import { gradeRows, visitSummary } from './visits.ts'

/** The answer to a task, over one connection to the store (../../sqlite/stats/tasks.ts is its twin). */
export async function answer<T extends StatsTask>(q: Queryable, task: T): Promise<StatsAnswers[T['type']]> {
  switch (task.type) {
    case 'report':
      return (await new ReportQueries(q).report(task.window, task.children)) as StatsAnswers[T['type']]
    case 'charts':
      return (await new ChartQueries(q).charts(
        task.window,
        task.days,
        task.edgesMs,
      )) as StatsAnswers[T['type']]
    case 'list':
      return (await new WorklistQueries(q).page(
        task.list,
        task.window,
        task.limit,
        task.cursor,
      )) as StatsAnswers[T['type']]
    case 'visits':
      return (await visitSummary(q, task.window)) as StatsAnswers[T['type']]
    case 'grades':
      return (await gradeRows(q, task.window)) as StatsAnswers[T['type']]
  }
}
