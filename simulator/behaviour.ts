import type { Mode, Point } from './district.ts'
import { offset } from './district.ts'

/**
 * Behaviour models of the district, pure functions of a random source and a
 * clock so they can be tested without timers.
 */
export interface Rates {
  /** SOS presses per elder per simulated hour. */
  sosPerHour: number
  /** Falls per elder per simulated hour. */
  fallsPerHour: number
  /** Share of SOS presses that are mistakes, cancelled a few seconds later. */
  falsePressShare: number
  /** Share of fixes lost (no GPS): the device sends nothing that time. */
  lostFixShare: number
  /** Share of offers a carer declines. */
  declineShare: number
}

export const defaultRates: Rates = {
  sosPerHour: 0.02,
  fallsPerHour: 0.005,
  falsePressShare: 0.3,
  lostFixShare: 0.05,
  declineShare: 0.15,
}

/** Metres per second by carer mode. */
export const SPEED: Record<Mode, number> = { walk: 1.3, bike: 4, ebike: 6, car: 9 }

/** Distance in metres (equirectangular; fine within a county). */
export function distanceM(a: Point, b: Point): number {
  const k = Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180)
  const dy = (b.lat - a.lat) * 111_320
  const dx = (b.lon - a.lon) * 111_320 * k
  return Math.hypot(dx, dy)
}

/** Gaussian noise by Box–Muller. */
function gauss(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

/** A GPS fix near where the elder is, or `undefined` when the fix is lost. */
export function gpsFix(
  random: () => number,
  at: Point,
  rates: Pick<Rates, 'lostFixShare'>,
): (Point & { acc: number }) | undefined {
  if (random() < rates.lostFixShare) return undefined
  const acc = 5 + Math.round(random() * 40)
  const fix = offset(at, gauss(random) * acc * 0.5, gauss(random) * acc * 0.5)
  return { ...fix, acc }
}

/** Where an elder is this tick: near home, or drifting away if they wander. */
export function stroll(random: () => number, home: Point, now: Point, wanders: boolean): Point {
  const drift = wanders ? 60 : 15
  const next = offset(now, (random() - 0.5) * 2 * drift + (wanders ? 20 : 0), (random() - 0.5) * 2 * drift)
  if (!wanders && distanceM(home, next) > 200) return home
  return next
}

/** Probability an event at `perHour` happens within `dtS` simulated seconds. */
export function happens(random: () => number, perHour: number, dtS: number): boolean {
  return random() < 1 - Math.exp((-perHour * dtS) / 3_600)
}

/** What a carer does with an offer, and after how many simulated seconds. */
export function replyToOffer(
  random: () => number,
  rates: Pick<Rates, 'declineShare'>,
): {
  action: 'accept' | 'decline'
  afterS: number
} {
  return {
    action: random() < rates.declineShare ? 'decline' : 'accept',
    afterS: 3 + Math.round(random() * 20),
  }
}

/** Simulated seconds to travel from `from` to `to` at the mode's speed (road factor 1.3). */
export function travelS(mode: Mode, from: Point, to: Point): number {
  return Math.round((distanceM(from, to) * 1.3) / SPEED[mode]) + 30
}

/** Whether a shift [start, end) covers the local hour (shifts may wrap midnight). */
export function onShift(shift: readonly [number, number], hour: number): boolean {
  const [start, end] = shift
  return start <= end ? hour >= start && hour < end : hour >= start || hour < end
}
