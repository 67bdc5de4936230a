/** The answer of GET /api/v1/stats (docs/stats.md). */
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
