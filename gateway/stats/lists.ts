import {
  type AlarmRow,
  type DeviceRow,
  type Window,
  type WorklistName,
  type WorklistPage,
  worklists,
} from './ports.ts'

/**
 * The supervision page's worklists, paged in the store so that none is cut short (docs/stats.md,
 * "Worklists"). Each list's `total` is the figure of GET /stats it itemises.
 */

export type { AlarmRow, DeviceRow, WorklistName }
export { worklists }

export interface Worklist {
  list: WorklistName
  from: number
  to: number
  grid: string[]
  at: number
  /** Every row of the list, over all pages. */
  total: number
  items: (AlarmRow | DeviceRow)[]
  next?: string
}

/** A page of a worklist as GET /stats/lists answers it. */
export function worklistOf(list: WorklistName, grid: string[], w: Window, page: WorklistPage): Worklist {
  const head = { list, from: w.from, to: w.to, grid, at: w.now, total: page.total, items: page.items }
  return page.next ? { ...head, next: page.next } : head
}
