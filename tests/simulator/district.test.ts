import { describe, expect, it } from 'vitest'
import { generateDistrict, WUDI } from '../../simulator/district.ts'

describe('district generator', () => {
  it('gives the same district for the same seed, another for another seed', () => {
    const a = generateDistrict({ seed: 7, elders: 50 })
    const b = generateDistrict({ seed: 7, elders: 50 })
    const c = generateDistrict({ seed: 8, elders: 50 })
    expect(b).toEqual(a)
    expect(c.elders.map((e) => e.home)).not.toEqual(a.elders.map((e) => e.home))
  })

  it('places elders in the county seat and three towns, with a six-level grid and a device each', () => {
    const d = generateDistrict({ elders: 40 })
    expect(new Set(d.elders.map((e) => e.grid[0]))).toEqual(new Set(WUDI.map((s) => s.name)))
    for (const e of d.elders) {
      expect(e.grid).toHaveLength(6)
      expect(['high', 'medium', 'low', 'safe']).toContain(e.risk)
      expect(e.contacts.length).toBeGreaterThan(0)
      expect(e.home.lat).toBeGreaterThan(37.5)
      expect(e.home.lat).toBeLessThan(38)
    }
    expect(d.devices.map((x) => x.elderId)).toEqual(d.elders.map((e) => e.id))
    expect(d.carers.length).toBe(4)
    expect(new Set(d.devices.map((x) => x.secret)).size).toBe(40)
  })
})
