import { describe, expect, it } from 'vitest'
import { CarerIndex } from '../../gateway/dispatch/carer-index.ts'
import { distanceM } from '../../gateway/dispatch/geo.ts'
import type { Point } from '../../gateway/dispatch/types.ts'

const HOME: Point = { lat: 37.3835, lon: 117.9707 }
const R = 6_371_008.8
const RAD = Math.PI / 180

/** The point `metres` from `from` along `bearing` (degrees from north), on distanceM's sphere. */
function toward(bearing: number, metres: number, from: Point = HOME): Point {
  const angle = metres / R
  const lat1 = from.lat * RAD
  const b = bearing * RAD
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(angle) + Math.cos(lat1) * Math.sin(angle) * Math.cos(b))
  const lon2 =
    from.lon * RAD +
    Math.atan2(
      Math.sin(b) * Math.sin(angle) * Math.cos(lat1),
      Math.cos(angle) - Math.sin(lat1) * Math.sin(lat2),
    )
  return { lat: lat2 / RAD, lon: lon2 / RAD }
}

function anIndex(carers: Record<string, { position?: Point; base?: Point }>): CarerIndex {
  const index = new CarerIndex()
  for (const [id, { position, base }] of Object.entries(carers)) index.upsert(id, position, base)
  return index
}

function near(index: CarerIndex, radiusM = 10_000, at: Point = HOME): string[] {
  return [...index.near(at, radiusM)].sort()
}

describe('CarerIndex', () => {
  it('starts empty and finds nobody', () => {
    const index = new CarerIndex()
    expect(index.size).toBe(0)
    expect(near(index)).toEqual([])
  })

  it('finds a carer whose position lies within the radius', () => {
    expect(near(anIndex({ c1: { position: toward(45, 3_000) } }))).toEqual(['c1'])
  })

  it('finds a carer by their base when their position is far away', () => {
    const index = anIndex({ c1: { position: toward(0, 20_000), base: toward(180, 2_000) } })
    expect(near(index)).toEqual(['c1'])
  })

  it('finds a carer by their position when their base is far away', () => {
    const index = anIndex({ c1: { position: toward(90, 1_000), base: toward(270, 25_000) } })
    expect(near(index)).toEqual(['c1'])
  })

  it('does not return a carer 20 km away for a 10 km query', () => {
    const index = anIndex({
      inside: { position: toward(0, 9_000) },
      north: { position: toward(0, 20_000) },
      east: { base: toward(90, 20_000) },
      southWest: { position: toward(225, 20_000), base: toward(200, 21_000) },
    })
    expect(near(index)).toEqual(['inside'])
  })

  it('returns every carer within the radius, whatever the bearing', () => {
    const carers: Record<string, { position: Point }> = {}
    for (let bearing = 0; bearing < 360; bearing += 15) {
      carers[`at-${bearing}`] = { position: toward(bearing, 9_900) }
    }
    const found = near(anIndex(carers))
    expect(found).toEqual(Object.keys(carers).sort())
  })

  // BUG (geo.ts degreeSpan, used by near): the search box is 0.11% smaller than the circle, so carers
  // between ~9,989 m and 10,000 m due north, south, east or west are missed. Flip to `it` once fixed.
  it('returns carers on the rim of the radius, due north and due east', () => {
    const index = anIndex({ north: { position: toward(0, 9_995) }, east: { position: toward(90, 9_995) } })
    expect(distanceM(HOME, toward(0, 9_995))).toBeLessThan(10_000)
    expect(near(index)).toEqual(['east', 'north'])
  })

  it('counts carers, not points, in its size', () => {
    const index = anIndex({
      a: { position: toward(0, 100), base: toward(0, 200) },
      b: { base: toward(0, 300) },
    })
    expect(index.size).toBe(2)
  })

  it('does not hold a carer with neither position nor base', () => {
    const index = anIndex({ nowhere: {} })
    expect(index.size).toBe(0)
    expect(near(index)).toEqual([])
  })

  it('moves a carer on upsert, leaving nothing at the old place', () => {
    const index = anIndex({ c1: { position: toward(0, 1_000) } })
    const elsewhere = toward(90, 30_000)
    index.upsert('c1', toward(0, 500, elsewhere))
    expect(index.size).toBe(1)
    expect(near(index)).toEqual([])
    expect(near(index, 10_000, elsewhere)).toEqual(['c1'])
  })

  it('forgets the old base when an upsert brings none', () => {
    const index = anIndex({ c1: { position: toward(0, 30_000), base: toward(0, 1_000) } })
    index.upsert('c1', toward(0, 30_000))
    expect(near(index)).toEqual([])
  })

  it('removes a carer', () => {
    const index = anIndex({ a: { position: toward(0, 100) }, b: { base: toward(90, 100) } })
    index.remove('a')
    expect(index.size).toBe(1)
    expect(near(index)).toEqual(['b'])
  })

  it('ignores the removal of an unknown carer', () => {
    const index = anIndex({ a: { position: toward(0, 100) } })
    index.remove('ghost')
    expect(index.size).toBe(1)
    expect(near(index)).toEqual(['a'])
  })

  it('takes a removed carer back on a later upsert', () => {
    const index = anIndex({ a: { position: toward(0, 100) } })
    index.remove('a')
    index.upsert('a', undefined, toward(180, 400))
    expect(near(index)).toEqual(['a'])
  })
})
