/** How fast a job goes and when it should end, from what it says of itself (done rows, time spent). */
export interface Pace {
  /** Rows settled a second so far; undefined until the first rows are done. */
  perSecond?: number
  /** Time left at that speed. */
  leftMs?: number
}

export function pace(job: { total: number; done: number; elapsedMs: number }): Pace {
  if (job.done <= 0 || job.elapsedMs <= 0) return {}
  const perSecond = job.done / (job.elapsedMs / 1000)
  return { perSecond, leftMs: (Math.max(0, job.total - job.done) / perSecond) * 1000 }
}

/** 3.4 below ten rows a second (a slow device import), whole numbers above. */
export function rate(perSecond: number): string {
  return perSecond < 10 ? perSecond.toFixed(1) : String(Math.round(perSecond))
}
