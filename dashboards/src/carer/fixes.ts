import { distanceM } from '../shared/geo.ts'

// When the phone's position is worth a `loc`; no DOM here, so the unit tests read it as it is.

export interface Fix {
  ts: number
  lat: number
  lon: number
  acc?: number
}

/** At most one `loc` this often while standing still… */
export const STILL_EVERY_MS = 60_000
/** …or sooner once the phone has moved this far, but not more than once in `MOVING_MIN_MS`. */
export const MOVED_M = 50
export const MOVING_MIN_MS = 5_000
/** A fresh fix is asked for this often: the gateway counts a position fresh for 10 minutes. */
export const REFRESH_MS = 4 * 60_000

/** Whether a new fix is worth a `loc`, given the last one sent and when. */
export function worthSending(last: { fix: Fix; sentAt: number } | undefined, fix: Fix, now: number): boolean {
  if (!last) return true
  const since = now - last.sentAt
  if (since >= STILL_EVERY_MS) return true
  return since >= MOVING_MIN_MS && distanceM(last.fix, fix) >= MOVED_M
}
