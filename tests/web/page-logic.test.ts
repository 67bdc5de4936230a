import { describe, expect, it } from 'vitest'
import { rankCandidates } from '../../dashboards/src/board/candidates.ts'
import { matchElders } from '../../dashboards/src/board/elder-search.ts'
import { distanceM, etaMin, toGcj02 } from '../../dashboards/src/shared/geo.ts'
import type { Alarm, Elder, LiveCarer } from '../../dashboards/src/shared/model.ts'
import { HOME, offset } from '../support/world.ts'

const NOW = Date.UTC(2026, 0, 5, 8)
const alarm: Alarm = {
  id: 'A1',
  kind: 'sos',
  priority: 1,
  state: 'open',
  escalated: false,
  elderId: 'E1',
  raisedAt: NOW,
  ...HOME,
}
const carer = (id: string, northM: number, over: Partial<LiveCarer> = {}): LiveCarer => ({
  id,
  name: id,
  duty: 'on',
  busy: false,
  mode: 'ebike',
  position: { ...offset(HOME, northM, 0), at: NOW },
  ...over,
})

describe('the page logic of the board, without a browser', () => {
  it('computes the contract ETA: distance × 1.3 ÷ speed', () => {
    expect(etaMin(3000, 'walk')).toBeCloseTo(((3 * 1.3) / 4.5) * 60, 6)
    expect(etaMin(3000, 'car')).toBeCloseTo(((3 * 1.3) / 25) * 60, 6)
    expect(distanceM(HOME, offset(HOME, 1000, 0))).toBeCloseTo(1000, -1)
  })

  it('ranks candidates by ETA and leaves out the busy, off duty, stale and far', () => {
    const ranked = rankCandidates(
      alarm,
      [
        carer('walker', 500, { mode: 'walk' }),
        carer('rider', 1500, { mode: 'car' }),
        carer('busy', 100, { busy: true }),
        carer('off', 100, { duty: 'off' }),
        carer('stale', 100, { position: { ...HOME, at: NOW - 11 * 60_000 } }),
        carer('far', 11_000, { mode: 'car' }),
      ],
      NOW,
    )
    expect(ranked.map((c) => c.carer.id)).toEqual(['rider', 'walker'])
    expect(ranked[0]?.distanceM).toBeCloseTo(1500, -1)
  })

  it('shifts WGS-84 to GCJ-02 inside China by a few hundred metres, and not outside', () => {
    const shifted = toGcj02(HOME)
    const moved = distanceM(HOME, shifted)
    expect(moved).toBeGreaterThan(100)
    expect(moved).toBeLessThan(800)
    expect(toGcj02({ lat: 48.85, lon: 2.35 })).toEqual({ lat: 48.85, lon: 2.35 })
  })

  it('finds elders by name, phone digits or address as the operator types', () => {
    const elders: Elder[] = [
      { id: 'E1', name: '王秀兰', phone: '138-1234-5678', address: '海丰街道12号', home: HOME },
      { id: 'E2', name: '李建国', phone: '13987654321', address: '西关社区3号楼', home: HOME },
    ]
    expect(matchElders(elders, '秀兰').map((e) => e.id)).toEqual(['E1'])
    expect(matchElders(elders, '1381234').map((e) => e.id)).toEqual(['E1'])
    expect(matchElders(elders, '西关').map((e) => e.id)).toEqual(['E2'])
    expect(matchElders(elders, '  ')).toEqual([])
  })
})
