import { distanceM } from '../dispatch/geo.ts'
import type { Point } from '../dispatch/types.ts'

/** Where an elder stands against the fence: outside already alarmed, and consecutive outside fixes. */
export interface FenceState {
  outside: boolean
  strikes: number
}

export interface Fence {
  home: Point
  radiusM: number
}

/** Fixes outside in a row before an exit counts (contract: two consecutive fixes). */
export const FENCE_STRIKES = 2

/**
 * One fix against the fence, with hysteresis. A fix is surely outside only
 * when even its accuracy circle lies beyond the radius; two such fixes in a
 * row are an exit, alarmed once, until a fix is back inside the radius. A
 * fix in between (the radius within its accuracy) proves nothing and breaks
 * the run, so one noisy fix can never alarm.
 */
export function fenceStep(
  state: FenceState,
  fix: Point & { acc?: number | undefined },
  fence: Fence,
): { state: FenceState; exited: boolean } {
  const d = distanceM(fix, fence.home)
  if (d <= fence.radiusM) return { state: { outside: false, strikes: 0 }, exited: false }
  const surelyOutside = d > fence.radiusM + (fix.acc ?? 0)
  if (!surelyOutside) return { state: { outside: state.outside, strikes: 0 }, exited: false }
  const strikes = Math.min(state.strikes + 1, FENCE_STRIKES)
  const exited = !state.outside && strikes >= FENCE_STRIKES
  return { state: { outside: state.outside || exited, strikes }, exited }
}
