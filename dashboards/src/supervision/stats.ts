/**
 * The answers of GET /api/v1/stats and the supervision endpoints beside it (docs/stats.md), imported from
 * the gateway's own types (never copied).
 */
import type { Worklist } from '../../../gateway/stats/lists.ts'

export type { ChartsReport as ChartsAnswer, DayFigures } from '../../../gateway/stats/charts.ts'
export type { AlarmRow, DeviceRow, WorklistName } from '../../../gateway/stats/lists.ts'
export type { Figures, Share as Rate, StatsReport as StatsAnswer } from '../../../gateway/stats/stats.ts'

/** One page of GET /stats/lists/{list}, its rows of one kind. */
export type WorklistPage<T> = Omit<Worklist, 'items'> & { items: T[] }
