import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../bench/lib/prng.ts'
import {
  distanceM,
  gpsFix,
  happens,
  onShift,
  replyToOffer,
  stroll,
  travelS,
} from '../../simulator/behaviour.ts'

const HOME = { lat: 37.7706, lon: 117.6253 }

describe('behaviour models', () => {
  it('GPS fixes scatter around the true position and some are lost', () => {
    const random = seededRandom(1)
    const fixes = Array.from({ length: 1000 }, () => gpsFix(random, HOME, { lostFixShare: 0.1 }))
    const lost = fixes.filter((f) => f === undefined).length
    expect(lost).toBeGreaterThan(50)
    expect(lost).toBeLessThan(150)
    for (const f of fixes) if (f) expect(distanceM(HOME, f)).toBeLessThan(f.acc * 3)
  })

  it('homebodies stay near home while wanderers leave their fence', () => {
    const random = seededRandom(2)
    let stay = HOME
    let wander = HOME
    for (let i = 0; i < 200; i++) {
      stay = stroll(random, HOME, stay, false)
      wander = stroll(random, HOME, wander, true)
    }
    expect(distanceM(HOME, stay)).toBeLessThanOrEqual(200)
    expect(distanceM(HOME, wander)).toBeGreaterThan(800)
  })

  it('event rates follow the simulated time step', () => {
    const random = seededRandom(3)
    let count = 0
    for (let i = 0; i < 10_000; i++) if (happens(random, 1, 360)) count++
    expect(count / 10_000).toBeCloseTo(1 - Math.exp(-0.1), 1)
  })

  it('carers decline at the configured share, with human delays, and travel at their speed', () => {
    const random = seededRandom(4)
    const replies = Array.from({ length: 1000 }, () => replyToOffer(random, { declineShare: 0.2 }))
    const declined = replies.filter((r) => r.action === 'decline').length
    expect(declined).toBeGreaterThan(150)
    expect(declined).toBeLessThan(250)
    expect(Math.min(...replies.map((r) => r.afterS))).toBeGreaterThanOrEqual(3)
    const far = { lat: HOME.lat + 0.02, lon: HOME.lon }
    expect(travelS('walk', HOME, far)).toBeGreaterThan(travelS('car', HOME, far))
  })

  it('shifts may wrap midnight', () => {
    expect(onShift([20, 8], 23)).toBe(true)
    expect(onShift([20, 8], 3)).toBe(true)
    expect(onShift([20, 8], 12)).toBe(false)
    expect(onShift([8, 20], 12)).toBe(true)
  })
})
