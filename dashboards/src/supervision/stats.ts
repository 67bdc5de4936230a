/** The answers of GET /api/v1/stats and the supervision endpoints beside it (docs/stats.md). */
export interface Rate {
  count: number
  of: number
  rate: number | null
}
export interface Spread {
  n: number
  median: number | null
  p90: number | null
}
export interface Figures {
  alarms: number
  byKind: Record<string, number>
  byPriority?: Record<string, number>
  acceptMs: Spread
  arriveMs: Spread
  onTime: Rate
  completed: Rate
  escalated: Rate
  flaggedArrivals?: Rate
  devices: { count: number; online: number; silent24h: number; onlineRate: number | null }
  ratings?: { count: number; mean: number | null; unrated: number }
}
export interface StatsAnswer {
  from: number
  to: number
  grid: string[]
  at?: number
  totals: Figures
  children: (Figures & { grid: string[]; name: string })[]
}

/** GET /stats/charts */
export interface DayFigures {
  day: string
  from: number
  to: number
  alarms: number
  byKind: Record<string, number>
  onTime: Rate
}
export interface ChartsAnswer {
  tz: string
  days: DayFigures[]
  acceptMs: { n: number; bins: { fromMs: number; toMs: number | null; count: number }[] }
}

/** GET /stats/lists/{list} */
export const worklistNames = ['late', 'flagged', 'unrated', 'silent'] as const
export type WorklistName = (typeof worklistNames)[number]
export interface AlarmRow {
  id: string
  kind: string
  priority: number
  state: string
  raisedAt: number
  elderId: string
  elderName?: string
  carerId?: string
}
export interface DeviceRow {
  id: string
  kind: string
  elderId: string
  elderName?: string
  lastSeenAt?: number
}
export interface WorklistPage<T = AlarmRow | DeviceRow> {
  total: number
  items: T[]
  next?: string
}
