import { describe, expect, it } from 'vitest'
import { distanceM } from '../../gateway/dispatch/geo.ts'
import { type FenceState, fenceStep } from '../../gateway/telemetry/fence.ts'
import { HOME, offset } from '../support/world.ts'

const fence = { home: HOME, radiusM: 200 }
const inside: FenceState = { outside: false, strikes: 0 }

/** Feed fixes one after another; the steps that raised an exit. */
function walk(fixes: { northM: number; acc?: number }[], start: FenceState = inside) {
  let state = start
  const exits: number[] = []
  fixes.forEach((f, i) => {
    const step = fenceStep(state, { ...offset(HOME, f.northM, 0), acc: f.acc }, fence)
    if (step.exited) exits.push(i)
    state = step.state
  })
  return { state, exits }
}

describe('the fence, with hysteresis', () => {
  it('stays quiet inside the radius', () => {
    expect(walk([{ northM: 50 }, { northM: 190 }, { northM: 0 }]).exits).toEqual([])
  })

  it('does not alarm on one fix outside', () => {
    const r = walk([{ northM: 50 }, { northM: 400, acc: 20 }, { northM: 60 }])
    expect(r.exits).toEqual([])
    expect(r.state).toEqual(inside)
  })

  it('alarms once on two consecutive fixes outside, not again while outside', () => {
    const r = walk([
      { northM: 400, acc: 20 },
      { northM: 450, acc: 20 },
      { northM: 500, acc: 20 },
      { northM: 700 },
    ])
    expect(r.exits).toEqual([1])
    expect(r.state.outside).toBe(true)
  })

  it('alarms again after coming back inside and leaving again', () => {
    const r = walk([{ northM: 400 }, { northM: 400 }, { northM: 100 }, { northM: 400 }, { northM: 410 }])
    expect(r.exits).toEqual([1, 4])
  })

  it('does not count a noisy fix whose accuracy reaches inside, and it breaks the run', () => {
    // 400 m out but ±300 m: it might be inside
    expect(
      walk([
        { northM: 400, acc: 300 },
        { northM: 400, acc: 300 },
      ]).exits,
    ).toEqual([])
    expect(
      walk([
        { northM: 400, acc: 10 },
        { northM: 400, acc: 300 },
        { northM: 400, acc: 10 },
      ]).exits,
    ).toEqual([])
  })

  it('keeps an alarmed exit through a noisy fix, re-arming only inside the radius', () => {
    const out = walk([{ northM: 400 }, { northM: 400 }]).state
    const noisy = walk([{ northM: 250, acc: 100 }], out).state
    expect(noisy.outside).toBe(true)
    expect(walk([{ northM: 400 }, { northM: 400 }], noisy).exits).toEqual([])
  })

  // No point lies at exactly 200.000 m from HOME by the haversine, so these
  // set the fence on the distance a fix does lie at.
  it('counts a fix exactly on the fence line as inside: it re-arms an alarmed exit', () => {
    const onTheLine = offset(HOME, 200, 0)
    const line = { home: HOME, radiusM: distanceM(onTheLine, HOME) }
    const beyond = offset(HOME, 400, 0)
    const out = { outside: true, strikes: 2 }
    const back = fenceStep(out, onTheLine, line)
    expect(back).toEqual({ state: inside, exited: false })
    // re-armed: leaving again alarms again
    const first = fenceStep(back.state, beyond, line)
    expect(fenceStep(first.state, beyond, line).exited).toBe(true)
  })

  it('does not count a fix whose accuracy circle just touches the fence line as surely outside', () => {
    const fix = offset(HOME, 250, 0)
    const d = distanceM(fix, HOME)
    // 200 ≤ d ≤ 400, so d − 200 is exact and 200 + acc is d again
    const acc = d - 200
    expect(200 + acc).toBe(d)
    const touching = { ...fix, acc }
    const r1 = fenceStep(inside, touching, fence)
    const r2 = fenceStep(r1.state, touching, fence)
    expect([r1.exited, r2.exited]).toEqual([false, false])
    expect(r2.state).toEqual(inside)
    // a hair less accuracy and the same fix is surely outside
    const sure = { ...fix, acc: acc - 1e-6 }
    const s1 = fenceStep(inside, sure, fence)
    expect(fenceStep(s1.state, sure, fence).exited).toBe(true)
  })
})
