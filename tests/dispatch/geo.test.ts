import { describe, expect, it } from 'vitest'
import { degreeSpan, distanceM, etaMinutes } from '../../gateway/dispatch/geo.ts'
import type { Point } from '../../gateway/dispatch/types.ts'

const BINZHOU: Point = { lat: 37.3835, lon: 117.9707 }

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / expected
}

describe('distanceM', () => {
  it('is zero from a point to itself', () => {
    expect(distanceM(BINZHOU, BINZHOU)).toBe(0)
  })

  it('makes one degree of latitude about 111.2 km', () => {
    const d = distanceM({ lat: 37, lon: 118 }, { lat: 38, lon: 118 })
    expect(relativeError(d, 111_200)).toBeLessThan(0.001)
  })

  it('makes a degree of longitude at 60°N half of one on the equator', () => {
    const atEquator = distanceM({ lat: 0, lon: 10 }, { lat: 0, lon: 11 })
    const at60 = distanceM({ lat: 60, lon: 10 }, { lat: 60, lon: 11 })
    expect(at60 / atEquator).toBeCloseTo(0.5, 3)
  })

  it('is the same both ways', () => {
    const other = { lat: 37.1, lon: 118.3 }
    expect(distanceM(BINZHOU, other)).toBe(distanceM(other, BINZHOU))
  })

  it('puts LAX and JFK 2,144 nautical miles apart, within 0.5%', () => {
    // the worked example of Ed Williams' Aviation Formulary: 2144 nm on the sphere
    const lax = { lat: 33 + 57 / 60, lon: -(118 + 24 / 60) }
    const jfk = { lat: 40 + 38 / 60, lon: -(73 + 47 / 60) }
    expect(relativeError(distanceM(lax, jfk), 2_144 * 1_852)).toBeLessThan(0.005)
  })
})

describe('etaMinutes', () => {
  it('is distance × detour ÷ speed, in minutes', () => {
    // 1 km straight, 1.3 km by road, on foot at 4.5 km/h: 1.3 / 4.5 h
    expect(etaMinutes(1_000, 1.3, 4.5)).toBeCloseTo((1.3 / 4.5) * 60, 10)
    expect(etaMinutes(2_000, 1.3, 25)).toBeCloseTo(6.24, 10)
  })

  it('is zero for no distance', () => {
    expect(etaMinutes(0, 1.3, 12)).toBe(0)
  })

  it('halves when the speed doubles', () => {
    expect(etaMinutes(3_000, 1.3, 18)).toBeCloseTo(etaMinutes(3_000, 1.3, 9) / 2, 10)
  })
})

describe('degreeSpan', () => {
  it('is wider in longitude than in latitude, by 1 / cos(latitude)', () => {
    const { dLat, dLon } = degreeSpan(60, 10_000)
    expect(dLon / dLat).toBeCloseTo(2, 2)
  })

  it('grows with the radius', () => {
    const small = degreeSpan(BINZHOU.lat, 1_000)
    const large = degreeSpan(BINZHOU.lat, 10_000)
    expect(large.dLat / small.dLat).toBeCloseTo(10, 2)
    expect(large.dLon / small.dLon).toBeCloseTo(10, 2)
  })

  it('never spans more than 180° of longitude, even at the pole', () => {
    expect(degreeSpan(90, 10_000).dLon).toBeLessThanOrEqual(180)
    expect(degreeSpan(89.99, 50_000).dLon).toBeLessThanOrEqual(180)
  })

  // BUG (geo.ts degreeSpan): it uses 111,320 m a degree while distanceM's sphere has ~111,195 m,
  // so the box is 0.11% short of the circle and misses carers on its rim. Flip to `it` once fixed.
  it('spans at least the radius, as distanceM measures it, north and east', () => {
    const { dLat, dLon } = degreeSpan(BINZHOU.lat, 10_000)
    expect(distanceM(BINZHOU, { lat: BINZHOU.lat + dLat, lon: BINZHOU.lon })).toBeGreaterThanOrEqual(10_000)
    expect(distanceM(BINZHOU, { lat: BINZHOU.lat, lon: BINZHOU.lon + dLon })).toBeGreaterThanOrEqual(10_000)
  })
})
