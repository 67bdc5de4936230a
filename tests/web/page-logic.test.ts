import { describe, expect, it } from 'vitest'
import { rankCandidates } from '../../dashboards/src/board/candidates.ts'
import { matchElders } from '../../dashboards/src/board/elder-search.ts'
import { BoardState } from '../../dashboards/src/board/state.ts'
import { MOVED_M, STILL_EVERY_MS, worthSending } from '../../dashboards/src/carer/fixes.ts'
import {
  applyReply,
  applyTaskMessage,
  dropLapsed,
  skewFrom,
  type TaskMessage,
} from '../../dashboards/src/carer/tasks.ts'
import { distanceM, etaMin, gcj02ToBd09, shiftTo, toBd09, toGcj02 } from '../../dashboards/src/shared/geo.ts'
import type { Alarm, Elder, LiveCarer, LiveMessage } from '../../dashboards/src/shared/model.ts'
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
  round: 0,
  seq: 1,
  updatedAt: NOW,
}
const anElder = (id: string): Elder => ({
  id,
  name: id,
  home: HOME,
  risk: 'medium',
  createdAt: NOW,
  updatedAt: NOW,
})
const carer = (id: string, northM: number, over: Partial<LiveCarer> = {}): LiveCarer => ({
  id,
  name: id,
  duty: 'on',
  busy: false,
  mode: 'ebike',
  position: { ...offset(HOME, northM, 0), at: NOW },
  alarmsToday: 0,
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

  it('ranks as the gateway does: within 3 km first, the base for a stale position, then fewer alarms today', () => {
    const ranked = rankCandidates(
      alarm,
      [
        carer('walker', 2_500, { mode: 'walk' }),
        carer('driver', 4_000, { mode: 'car' }),
        carer('stale', 100, { position: { ...HOME, at: NOW - 11 * 60_000 }, base: offset(HOME, 2_000, 0) }),
        carer('tired', 1_000, { alarmsToday: 3 }),
        carer('fresh', 1_000, { alarmsToday: 0 }),
      ],
      NOW,
    )
    // the driver would be there sooner, but a carer within 3 km shuts out anyone beyond (contract)
    expect(ranked.map((c) => c.carer.id)).toEqual(['fresh', 'tired', 'stale', 'walker'])
  })

  it('shifts WGS-84 to GCJ-02 inside China by a few hundred metres, and not outside', () => {
    const shifted = toGcj02(HOME)
    const moved = distanceM(HOME, shifted)
    expect(moved).toBeGreaterThan(100)
    expect(moved).toBeLessThan(800)
    expect(toGcj02({ lat: 48.85, lon: 2.35 })).toEqual({ lat: 48.85, lon: 2.35 })
  })

  // Reference points worked out apart from this code, from the published GCJ-02 and BD-09 formulas
  // (double precision): WGS-84 → GCJ-02 → BD-09.
  const references = [
    {
      at: '天安门',
      wgs: [39.908692, 116.397477],
      gcj: [39.910095494, 116.403720567],
      bd: [39.916434828, 116.41009356],
    },
    {
      at: '滨州',
      wgs: [37.3835, 117.9707],
      gcj: [37.384149802, 117.976603494],
      bd: [37.390376896, 117.98302701],
    },
    {
      at: '上海',
      wgs: [31.230416, 121.473701],
      gcj: [31.228473742, 121.478224057],
      bd: [31.234326581, 121.484782472],
    },
  ] as const

  it('shifts WGS-84 to GCJ-02 and on to BD-09 as the published formulas do', () => {
    for (const r of references) {
      const wgs = { lat: r.wgs[0], lon: r.wgs[1] }
      const gcj = toGcj02(wgs)
      expect([gcj.lat, gcj.lon], r.at).toEqual([expect.closeTo(r.gcj[0], 8), expect.closeTo(r.gcj[1], 8)])
      const bd = gcj02ToBd09(gcj)
      expect([bd.lat, bd.lon], r.at).toEqual([expect.closeTo(r.bd[0], 8), expect.closeTo(r.bd[1], 8)])
      expect(toBd09(wgs)).toEqual(bd)
      // BD-09 lies some 700 m beyond GCJ-02 in the north-east
      expect(distanceM(gcj, bd), r.at).toBeGreaterThan(500)
      expect(distanceM(gcj, bd), r.at).toBeLessThan(1000)
    }
    expect(toBd09({ lat: 48.85, lon: 2.35 })).toEqual({ lat: 48.85, lon: 2.35 })
  })

  it('draws on the tiles’ own coordinate system: none for WGS-84 and Tianditu, the shift for the others', () => {
    expect(shiftTo('wgs84')(HOME)).toEqual(HOME)
    expect(shiftTo('gcj02')(HOME)).toEqual(toGcj02(HOME))
    expect(shiftTo('bd09')(HOME)).toEqual(toBd09(HOME))
  })

  it('finds elders by name, phone digits or address as the operator types', () => {
    const elders: Elder[] = [
      { ...anElder('E1'), name: '王秀兰', phone: '138-1234-5678', address: '海丰街道12号' },
      { ...anElder('E2'), name: '李建国', phone: '13987654321', address: '西关社区3号楼' },
    ]
    expect(matchElders(elders, '秀兰').map((e) => e.id)).toEqual(['E1'])
    expect(matchElders(elders, '1381234').map((e) => e.id)).toEqual(['E1'])
    expect(matchElders(elders, '西关').map((e) => e.id)).toEqual(['E2'])
    expect(matchElders(elders, '  ')).toEqual([])
  })
})

describe('the board’s state from the live stream', () => {
  const snapshot = (alarms: Alarm[]): LiveMessage => ({
    type: 'snapshot',
    seq: 1,
    at: NOW,
    alarms,
    carers: [],
  })
  const p1 = (id: string): Alarm => ({ ...alarm, id })

  it('does not ring for the P1 alarms already open when it starts watching', () => {
    const state = new BoardState()
    expect(state.apply(snapshot([p1('A1')])).rang).toBeUndefined()
    expect([...state.unseen]).toEqual([])
  })

  it('rings for a P1 raised while the board was away, when a snapshot stands in for the missed events', () => {
    const state = new BoardState()
    state.apply(snapshot([p1('A1')]))
    const lower: Alarm = { ...alarm, id: 'A3', priority: 2 }
    const closed: Alarm = { ...alarm, id: 'A4', state: 'resolved' }
    const change = state.apply(snapshot([p1('A1'), p1('A2'), lower, closed]))
    expect(change.rang).toBe('A2')
    expect([...state.unseen]).toEqual(['A2'])
  })
})

describe('the carer page over MQTT keeps its list from the task messages', () => {
  const task = (
    alarmId: string,
    action: TaskMessage['action'],
    over: Partial<TaskMessage> = {},
  ): TaskMessage => ({
    alarmId,
    action,
    alarm: { kind: 'sos', priority: 1, raisedAt: NOW },
    elder: {
      id: 'E1',
      name: '王秀兰',
      phone: '1',
      address: 'a',
      lat: HOME.lat,
      lon: HOME.lon,
      notes: '',
      contacts: [],
    },
    distanceM: 300,
    etaMin: 1.3,
    ...over,
  })

  it('adds offers, makes an alarm its own on assigned, drops it on withdrawn', () => {
    let list = applyTaskMessage([], task('A1', 'offer', { expiresAt: NOW + 60_000 }))
    list = applyTaskMessage(list, task('A2', 'offer', { expiresAt: NOW + 30_000 }))
    // the offer running out first is on top
    expect(list.map((t) => t.alarmId)).toEqual(['A2', 'A1'])
    list = applyTaskMessage(list, task('A1', 'assigned'))
    expect(list.map((t) => [t.alarmId, t.state ?? t.action])).toEqual([
      ['A1', 'accepted'],
      ['A2', 'offer'],
    ])
    // an offer re-delivered after the alarm became the carer's changes nothing
    expect(applyTaskMessage(list, task('A1', 'offer', { expiresAt: NOW + 60_000 }))).toEqual(list)
    list = applyTaskMessage(list, task('A2', 'withdrawn'))
    expect(list.map((t) => t.alarmId)).toEqual(['A1'])
    expect(applyTaskMessage(list, task('A1', 'reminder'))[0]?.reminded).toBe(true)
    expect(applyTaskMessage(list, task('A9', 'reminder'))).toEqual(list)
  })

  it('follows its own replies once acknowledged: arrive marks, decline and resolve remove', () => {
    const held = applyTaskMessage([], task('A1', 'assigned'))
    const arrived = applyReply(held, 'A1', 'arrive')
    expect(arrived[0]?.state).toBe('arrived')
    // an assigned that comes again (a reassignment back) keeps the arrival
    expect(applyTaskMessage(arrived, task('A1', 'assigned'))[0]?.state).toBe('arrived')
    expect(applyReply(arrived, 'A1', 'resolve')).toEqual([])
    expect(applyReply(held, 'A1', 'accept')).toEqual(held)
    expect(applyReply(applyTaskMessage([], task('A2', 'offer')), 'A2', 'decline')).toEqual([])
  })

  it('lets an offer whose withdrawn never came go once it ran out', () => {
    const list = applyTaskMessage([], task('A1', 'offer', { expiresAt: NOW }))
    expect(dropLapsed(list, NOW + 4_000)).toHaveLength(1)
    expect(dropLapsed(list, NOW + 6_000)).toHaveLength(0)
    expect(dropLapsed(applyTaskMessage([], task('A1', 'assigned')), NOW + 1e9)).toHaveLength(1)
  })

  it('believes the phone clock inside an offer window and pulls it in from outside', () => {
    const offer = task('A1', 'offer', { expiresAt: NOW + 60_000 })
    expect(skewFrom(offer, NOW + 5_000, 123)).toBe(0)
    expect(skewFrom(offer, NOW - 3_600_000, 0)).toBe(3_600_000)
    expect(skewFrom(offer, NOW + 3_600_000, 0)).toBe(59_000 - 3_600_000)
    expect(skewFrom(task('A1', 'assigned'), NOW, 42)).toBe(42)
  })

  it('sends a position when there is none yet, every minute standing still, sooner when moving', () => {
    const fix = { ts: NOW, ...HOME }
    expect(worthSending(undefined, fix, NOW)).toBe(true)
    const last = { fix, sentAt: NOW }
    expect(worthSending(last, fix, NOW + 10_000)).toBe(false)
    expect(worthSending(last, fix, NOW + STILL_EVERY_MS)).toBe(true)
    const moved = { ts: NOW, ...offset(HOME, MOVED_M + 5, 0) }
    expect(worthSending(last, moved, NOW + 1_000)).toBe(false)
    expect(worthSending(last, moved, NOW + 6_000)).toBe(true)
  })
})
