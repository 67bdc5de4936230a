import { describe, expect, it } from 'vitest'
import { effectivePosition, rankCandidates } from '../../gateway/dispatch/engine.ts'
import { distanceM, etaMinutes } from '../../gateway/dispatch/geo.ts'
import {
  type Candidate,
  type CarerState,
  type DispatchRules,
  defaultRules,
  type Point,
  type TravelMode,
} from '../../gateway/dispatch/types.ts'

const rules = defaultRules
const NOW = Date.UTC(2025, 2, 3, 9, 0, 0)
const MIN = 60_000
/** The elder's home, in Binzhou. */
const HOME: Point = { lat: 37.3835, lon: 117.9707 }
/** Metres per degree on the sphere geo.ts measures on, so `north(1000)` is 1 km by distanceM. */
const M_PER_DEG = (6_371_008.8 * Math.PI) / 180

function north(m: number, from: Point = HOME): Point {
  return { lat: from.lat + m / M_PER_DEG, lon: from.lon }
}

function east(m: number, from: Point = HOME): Point {
  return { lat: from.lat, lon: from.lon + m / (M_PER_DEG * Math.cos((from.lat * Math.PI) / 180)) }
}

/** A position report made `minutesAgo` before NOW. */
function fix(p: Point, minutesAgo = 0): Point & { at: number } {
  return { ...p, at: NOW - minutesAgo * MIN }
}

function aCarer(over: Partial<CarerState> = {}): CarerState {
  return { id: 'c1', mode: 'walk', duty: 'on', busy: false, alarmsToday: 0, ...over }
}

function rank(carers: CarerState[], exclude?: ReadonlySet<string>): Candidate[] {
  return rankCandidates(HOME, carers, NOW, rules, exclude)
}

function ids(candidates: readonly Candidate[]): string[] {
  return candidates.map((c) => c.carerId)
}

/**
 * The default rules with one limit moved onto a measured value, so that
 * "exactly at the limit" is exact in floating point: no point lies at
 * exactly 10,000.000 m from HOME by the haversine, but a limit can be
 * set to the distance a point does lie at.
 */
function rulesWith(over: Partial<DispatchRules>): DispatchRules {
  return { ...rules, ...over }
}

/** Every order of `xs`, to show a ranking does not depend on the order carers come in. */
function orders<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]]
  return xs.flatMap((x, i) => orders([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]))
}

describe('effectivePosition', () => {
  const base = north(2_000)

  it('uses a position reported within the last 10 minutes', () => {
    const position = fix(north(300), 9)
    expect(effectivePosition(aCarer({ position, base }), NOW, rules)).toEqual(position)
  })

  it('still trusts a position exactly 10 minutes old', () => {
    const position = fix(north(300), 10)
    expect(effectivePosition(aCarer({ position, base }), NOW, rules)).toEqual(position)
  })

  it('falls back to the base once the position is older than 10 minutes', () => {
    const position = { ...north(300), at: NOW - 10 * MIN - 1 }
    expect(effectivePosition(aCarer({ position, base }), NOW, rules)).toEqual(base)
  })

  it('knows nowhere for a stale position and no base', () => {
    expect(effectivePosition(aCarer({ position: fix(north(300), 11) }), NOW, rules)).toBeUndefined()
  })

  it('knows nowhere for a carer with neither position nor base', () => {
    expect(effectivePosition(aCarer(), NOW, rules)).toBeUndefined()
  })
})

describe('rankCandidates: who may be sent', () => {
  const close = fix(north(400))

  it('takes only carers on duty', () => {
    const ranked = rank([
      aCarer({ id: 'on', position: close }),
      aCarer({ id: 'off', duty: 'off', position: close }),
    ])
    expect(ids(ranked)).toEqual(['on'])
  })

  it('leaves out carers busy on another alarm', () => {
    const ranked = rank([
      aCarer({ id: 'free', position: close }),
      aCarer({ id: 'busy', busy: true, position: close }),
    ])
    expect(ids(ranked)).toEqual(['free'])
  })

  it('leaves out excluded ids', () => {
    const carers = [aCarer({ id: 'a', position: close }), aCarer({ id: 'b', position: close })]
    expect(ids(rank(carers, new Set(['a'])))).toEqual(['b'])
  })

  it('measures from the fresh position rather than the base', () => {
    const [only] = rank([aCarer({ position: fix(north(400), 5), base: north(2_000) })])
    expect(only?.distanceM).toBeCloseTo(400, 3)
  })

  it('measures from the base when the position is older than 10 minutes', () => {
    const [only] = rank([aCarer({ position: fix(north(400), 11), base: north(2_000) })])
    expect(only?.distanceM).toBeCloseTo(2_000, 3)
  })

  it('measures from the base when there is no position at all', () => {
    const [only] = rank([aCarer({ base: east(1_500) })])
    expect(only?.distanceM).toBeCloseTo(1_500, 0)
  })

  it('is not a candidate without a position or a base', () => {
    expect(rank([aCarer()])).toEqual([])
  })

  it('is not a candidate with only a stale position and no base', () => {
    expect(rank([aCarer({ position: fix(north(400), 30) })])).toEqual([])
  })
})

describe('rankCandidates: ETA', () => {
  const speeds: [TravelMode, number][] = [
    ['walk', 4.5],
    ['bike', 12],
    ['ebike', 18],
    ['car', 25],
  ]

  it.each(speeds)('%s: straight line × 1.3 ÷ %s km/h', (mode, kmh) => {
    const where = { lat: 37.4012, lon: 117.9553 }
    const [only] = rank([aCarer({ mode, position: fix(where) })])
    const metresPerMinute = (kmh * 1000) / 60
    expect(only?.etaMin).toBeCloseTo((distanceM(where, HOME) * 1.3) / metresPerMinute, 9)
  })

  it('gives 17.33 min on foot and 3.12 min by car for 1 km as the crow flies', () => {
    const ranked = rank([
      aCarer({ id: 'walker', mode: 'walk', position: fix(north(1_000)) }),
      aCarer({ id: 'driver', mode: 'car', position: fix(north(1_000)) }),
    ])
    expect(ranked.map((c) => [c.carerId, Number(c.etaMin.toFixed(2))])).toEqual([
      ['driver', 3.12],
      ['walker', 17.33],
    ])
  })
})

describe('rankCandidates: order', () => {
  it('ranks by ETA, not by distance', () => {
    // walker 500 m: 8.7 min; driver 2 km: 6.2 min
    const ranked = rank([
      aCarer({ id: 'walker', mode: 'walk', position: fix(north(500)) }),
      aCarer({ id: 'driver', mode: 'car', position: fix(north(2_000)) }),
    ])
    expect(ids(ranked)).toEqual(['driver', 'walker'])
  })

  it('breaks an ETA tie by fewer alarms today', () => {
    const ranked = rank([
      aCarer({ id: 'a', alarmsToday: 3, position: fix(north(800)) }),
      aCarer({ id: 'b', alarmsToday: 1, position: fix(north(800)) }),
    ])
    expect(ids(ranked)).toEqual(['b', 'a'])
  })

  it('breaks a tie on ETA and alarms today by id', () => {
    const ranked = rank([
      aCarer({ id: 'c-2', position: fix(north(800)) }),
      aCarer({ id: 'c-10', position: fix(north(800)) }),
      aCarer({ id: 'c-1', position: fix(north(800)) }),
    ])
    expect(ids(ranked)).toEqual(['c-1', 'c-10', 'c-2'])
  })

  it('gives the same order by id whatever order the tied carers come in', () => {
    const tied = ['c-2', 'c-10', 'c-1'].map((id) => aCarer({ id, position: fix(north(800)) }))
    for (const order of orders(tied)) {
      expect(ids(rank(order)), order.map((c) => c.id).join()).toEqual(['c-1', 'c-10', 'c-2'])
    }
  })

  it('puts fewer alarms today before the id, whatever the order', () => {
    const tied = [
      aCarer({ id: 'a', alarmsToday: 2, position: fix(north(800)) }),
      aCarer({ id: 'b', alarmsToday: 0, position: fix(north(800)) }),
      aCarer({ id: 'c', alarmsToday: 1, position: fix(north(800)) }),
    ]
    for (const order of orders(tied)) expect(ids(rank(order))).toEqual(['b', 'c', 'a'])
  })

  it('marks who is inside the 15-minute circle and puts them first', () => {
    // 2 km: bike 13 min (inside), walk 34.7 min (outside)
    const ranked = rank([
      aCarer({ id: 'walker', mode: 'walk', position: fix(north(2_000)) }),
      aCarer({ id: 'cyclist', mode: 'bike', position: fix(north(2_000)) }),
    ])
    expect(ranked.map((c) => [c.carerId, c.inCircle])).toEqual([
      ['cyclist', true],
      ['walker', false],
    ])
  })

  it('counts an ETA of exactly 15 minutes as inside the circle', () => {
    const where = north(866) // on foot: 15.01 min
    const eta = etaMinutes(distanceM(where, HOME), rules.detour, rules.speedsKmh.walk)
    expect(eta).toBeCloseTo(15, 1)
    const onTheRim = rulesWith({ circleMin: eta })
    const [walker] = rankCandidates(HOME, [aCarer({ mode: 'walk', position: fix(where) })], NOW, onTheRim)
    expect(walker).toMatchObject({ etaMin: eta, inCircle: true })
    const [late] = rankCandidates(HOME, [aCarer({ mode: 'walk', position: fix(north(867)) })], NOW, onTheRim)
    expect(late?.inCircle).toBe(false)
  })

  it('carries distance and alarms today into the candidate', () => {
    const [only] = rank([aCarer({ id: 'x', alarmsToday: 2, position: fix(east(1_200)) })])
    expect(only).toMatchObject({ carerId: 'x', alarmsToday: 2 })
    expect(only?.distanceM).toBeCloseTo(1_200, 0)
  })
})

describe('rankCandidates: how far', () => {
  it('offers no one beyond 3 km while someone is within 3 km', () => {
    // the driver would be faster, but the walker is inside 3 km
    const ranked = rank([
      aCarer({ id: 'walker', mode: 'walk', position: fix(north(2_900)) }),
      aCarer({ id: 'driver', mode: 'car', position: fix(north(3_100)) }),
    ])
    expect(ids(ranked)).toEqual(['walker'])
  })

  it('offers carers beyond 3 km when nobody is within 3 km', () => {
    const ranked = rank([
      aCarer({ id: 'far', mode: 'car', position: fix(north(6_000)) }),
      aCarer({ id: 'farther', mode: 'car', position: fix(east(8_000)) }),
    ])
    expect(ids(ranked)).toEqual(['far', 'farther'])
  })

  it('does not let an unavailable carer within 3 km shut out those beyond', () => {
    const ranked = rank(
      [
        aCarer({ id: 'busy', busy: true, position: fix(north(500)) }),
        aCarer({ id: 'off', duty: 'off', position: fix(north(600)) }),
        aCarer({ id: 'tried', position: fix(north(700)) }),
        aCarer({ id: 'far', mode: 'car', position: fix(north(5_000)) }),
      ],
      new Set(['tried']),
    )
    expect(ids(ranked)).toEqual(['far'])
  })

  it('never offers a carer beyond 10 km, even when no one else can go', () => {
    expect(rank([aCarer({ mode: 'car', position: fix(north(10_100)) })])).toEqual([])
  })

  it('still offers a carer just inside 10 km', () => {
    expect(ids(rank([aCarer({ id: 'edge', mode: 'car', position: fix(north(9_900)) })]))).toEqual(['edge'])
  })

  it('still offers a carer exactly at the 10 km limit', () => {
    const edge = north(10_000)
    const limit = distanceM(edge, HOME)
    expect(limit).toBeCloseTo(10_000, 6)
    const carers = [aCarer({ id: 'edge', mode: 'car', position: fix(edge) })]
    expect(ids(rankCandidates(HOME, carers, NOW, rulesWith({ farM: limit })))).toEqual(['edge'])
    // a millimetre beyond it, never
    expect(rankCandidates(HOME, carers, NOW, rulesWith({ farM: limit - 0.001 }))).toEqual([])
  })

  it('counts a carer exactly at 3 km as within 3 km, shutting out those beyond', () => {
    const edge = north(3_000)
    const limit = distanceM(edge, HOME)
    expect(limit).toBeCloseTo(3_000, 6)
    const carers = [
      aCarer({ id: 'walker', mode: 'walk', position: fix(edge) }),
      aCarer({ id: 'driver', mode: 'car', position: fix(north(3_100)) }),
    ]
    expect(ids(rankCandidates(HOME, carers, NOW, rulesWith({ nearM: limit })))).toEqual(['walker'])
    // with the walker a millimetre beyond 3 km, both are beyond and the faster goes first
    expect(ids(rankCandidates(HOME, carers, NOW, rulesWith({ nearM: limit - 0.001 })))).toEqual([
      'driver',
      'walker',
    ])
  })
})
