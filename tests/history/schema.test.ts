import { describe, expect, it } from 'vitest'
import { toLine } from '../../gateway/history/line.ts'
import { pointTime, positionPoint } from '../../gateway/history/schema.ts'

describe('history points', () => {
  it('escape tags and strings, sort tags, drop empty tags and write numbers as floats', () => {
    const line = toLine({
      measurement: 'alarm event',
      tags: { street: 'Haifeng St', a: 'x,y=z', empty: '', none: undefined },
      fields: { note: 'said "help"\\now', n: 1, ok: true, gone: undefined, nan: Number.NaN },
      ts: 1767600000000,
    })
    expect(line).toBe(
      'alarm\\ event,a=x\\,y\\=z,street=Haifeng\\ St note="said \\"help\\"\\\\now",n=1,ok=true 1767600000000',
    )
  })

  it('have no line without a field', () => {
    expect(toLine({ measurement: 'm', tags: {}, fields: { a: undefined }, ts: 1 })).toBeUndefined()
  })

  it("take the device's ts when plausible, else the receive time", () => {
    const at = 1767600000000
    expect(pointTime(at - 60_000, at)).toBe(at - 60_000)
    expect(pointTime(at + 10 * 60_000, at)).toBe(at)
    expect(pointTime(at - 2 * 86_400_000, at)).toBe(at)
    expect(pointTime(undefined, at)).toBe(at)
  })

  it('tag a position with device, elder and three grid levels only', () => {
    const p = positionPoint(
      { deviceId: 'D1', ts: 5, lat: 1, lon: 2, receivedAt: 5 },
      { deviceId: 'D1', elderId: 'E1', grid: ['S', 'C', 'G', 'B12', 'U2', 'R301'] },
    )
    expect(p.tags).toEqual({
      device: 'D1',
      elder: 'E1',
      street: 'S',
      community: 'C',
      grid: 'G',
      src: undefined,
    })
  })
})
