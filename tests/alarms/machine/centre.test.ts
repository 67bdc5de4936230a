import { describe, expect, it } from 'vitest'
import * as centre from '../../../gateway/alarms/machine/centre.ts'
import {
  aCarer,
  acceptedAlarm,
  acceptedOffers,
  aDraft,
  aFacts,
  anAlarm,
  anOffer,
  aTask,
  firstRound,
  nothing,
  offeredAlarm,
  route,
  T0,
  threeCarers,
} from './world.ts'

/** What the dispatch centre does to an alarm: assign, reassign, escalate, resolve, cancel, note, rate. */

const NOW = T0 + 20_000
const OP = 'disp:li'
const at = (now = NOW, carers = threeCarers()) => aFacts({ now, carers })
const reminderAt = (etaMin: number) => NOW + etaMin * 60_000 + 5 * 60_000

const assignedText = (name: string, min: number) => `服务人员${name}正在赶来，预计${min}分钟到达`

describe('assign', () => {
  it('gives an offered alarm to a carer who was not asked: every offer is withdrawn', () => {
    const d = aDraft(offeredAlarm(), firstRound(), at())
    expect(centre.assign(d, 'C3', OP)).toEqual({ ok: true, value: null })
    const decision = d.done()
    const c3 = route(700)
    expect(decision.change).toEqual({
      alarm: {
        value: offeredAlarm({ state: 'accepted', carerId: 'C3', acceptedAt: NOW, seq: 7, updatedAt: NOW }),
      },
      entries: [
        { seq: 5, type: 'withdrawn', at: NOW, actor: OP, carerId: 'C1' },
        { seq: 6, type: 'withdrawn', at: NOW, actor: OP, carerId: 'C2' },
        {
          seq: 7,
          type: 'accepted',
          at: NOW,
          actor: OP,
          carerId: 'C3',
          data: { distanceM: 700, etaMin: c3.etaMin },
        },
      ],
      offers: {
        insert: [],
        status: [
          { carerId: 'C1', status: 'withdrawn' },
          { carerId: 'C2', status: 'withdrawn' },
        ],
      },
    })
    expect(decision.deadlines).toEqual({
      cancel: [{ alarmId: 'A0001', kind: 'expiry' }],
      arm: [{ kind: 'reminder', alarmId: 'A0001', carerId: 'C3', at: reminderAt(c3.etaMin) }],
    })
    expect(decision.carers).toEqual({ busy: ['C3'], free: [], accepted: ['C3'] })
    expect(decision.sends).toEqual([
      { to: 'carer', carerId: 'C3', message: aTask('assigned', c3) },
      { to: 'carer', carerId: 'C1', message: aTask('withdrawn', anOffer('C1', 300)) },
      { to: 'carer', carerId: 'C2', message: aTask('withdrawn', anOffer('C2', 500)) },
      {
        to: 'device',
        deviceId: 'D1',
        message: {
          alarmId: 'A0001',
          state: 'assigned',
          text: assignedText('护理员C3', 4),
          etaMin: 4,
          carer: { name: '护理员C3', phone: '13700000003' },
        },
      },
    ])
    // the centre's choice was never an offer: no accept latency to measure
    expect(decision.spans).toEqual([])
    expect(decision.counters).toEqual([])
  })

  it('turns the chosen carer’s own pending offer into the accepted one', () => {
    const d = aDraft(offeredAlarm(), firstRound(), at())
    expect(centre.assign(d, 'C2', OP).ok).toBe(true)
    const decision = d.done()
    expect(decision.change.offers.status).toEqual([
      { carerId: 'C1', status: 'withdrawn' },
      { carerId: 'C2', status: 'accepted' },
    ])
    expect(decision.change.entries.map((e) => [e.type, e.carerId])).toEqual([
      ['withdrawn', 'C1'],
      ['accepted', 'C2'],
    ])
    expect(
      decision.sends.map((s) => (s.to === 'carer' ? [s.carerId, s.message.action] : [s.deviceId])),
    ).toEqual([['C2', 'assigned'], ['C1', 'withdrawn'], ['D1']])
  })

  it('reassigns a held alarm: the first carer is withdrawn and freed, the entry names whom it came from', () => {
    const d = aDraft(acceptedAlarm(), acceptedOffers(), at())
    expect(centre.assign(d, 'C2', OP).ok).toBe(true)
    const decision = d.done()
    const c2 = route(500)
    expect(decision.change.entries).toEqual([
      { seq: 7, type: 'withdrawn', at: NOW, actor: OP, carerId: 'C1' },
      {
        seq: 8,
        type: 'reassigned',
        at: NOW,
        actor: OP,
        carerId: 'C2',
        data: { distanceM: 500, etaMin: c2.etaMin, from: 'C1' },
      },
    ])
    expect(decision.change.alarm?.value).toMatchObject({ state: 'accepted', carerId: 'C2', acceptedAt: NOW })
    expect(decision.change.offers.status).toEqual([])
    expect(decision.carers).toEqual({ busy: ['C2'], free: ['C1'], accepted: ['C2'] })
    expect(decision.sends.slice(0, 2)).toEqual([
      { to: 'carer', carerId: 'C2', message: aTask('assigned', c2) },
      { to: 'carer', carerId: 'C1', message: aTask('withdrawn', anOffer('C1', 300)) },
    ])
    expect(decision.deadlines.arm).toEqual([
      { kind: 'reminder', alarmId: 'A0001', carerId: 'C2', at: reminderAt(c2.etaMin) },
    ])
  })

  it('withdraws a holder the centre chose without an offer at no distance', () => {
    const held = acceptedAlarm({ carerId: 'C3' })
    const offers = [anOffer('C1', 300, { status: 'withdrawn' }), anOffer('C2', 500, { status: 'withdrawn' })]
    const d = aDraft(held, offers, at())
    expect(centre.assign(d, 'C1', OP).ok).toBe(true)
    expect(d.done().sends[1]).toEqual({
      to: 'carer',
      carerId: 'C3',
      message: aTask('withdrawn', { distanceM: 0, etaMin: 0 }),
    })
  })

  it('assigns a carer who is no candidate (off duty) at no known distance', () => {
    const carers = [...threeCarers(), aCarer('C4', 900, { duty: 'off' })]
    const d = aDraft(offeredAlarm(), firstRound(), at(NOW, carers))
    expect(centre.assign(d, 'C4', OP).ok).toBe(true)
    const decision = d.done()
    expect(decision.change.entries.at(-1)?.data).toEqual({ distanceM: 0, etaMin: 0 })
    // C4 had no offer: only the two pending ones change, and none becomes "accepted"
    expect(decision.change.offers.status).toEqual([
      { carerId: 'C1', status: 'withdrawn' },
      { carerId: 'C2', status: 'withdrawn' },
    ])
    expect(decision.sends[0]).toEqual({
      to: 'carer',
      carerId: 'C4',
      message: aTask('assigned', { distanceM: 0, etaMin: 0 }),
    })
  })

  it('changes nothing when the holder is assigned again', () => {
    const carers = [aCarer('C1', 300, { busy: true }), aCarer('C2', 500)]
    const d = aDraft(acceptedAlarm(), acceptedOffers(), at(NOW, carers))
    expect(centre.assign(d, 'C1', OP)).toEqual({ ok: true, value: null })
    expect(d.done()).toEqual(nothing())
  })

  it.each([
    [
      'an alarm the carer reached',
      acceptedAlarm({ state: 'arrived' }),
      'C2',
      'INVALID_STATE',
      'alarm is arrived',
    ],
    ['a resolved alarm', acceptedAlarm({ state: 'resolved' }), 'C2', 'INVALID_STATE', 'alarm is resolved'],
    ['a carer nobody knows', offeredAlarm(), 'C9', 'CARER_NOT_FOUND', 'no carer C9'],
    ['a carer on another alarm', offeredAlarm(), 'C3', 'CARER_BUSY', 'C3 is on another alarm'],
  ] as const)('refuses %s and decides nothing', (_, alarm, carerId, code, message) => {
    const carers = [aCarer('C1', 300), aCarer('C2', 500), aCarer('C3', 700, { busy: true })]
    const d = aDraft(alarm, firstRound(), at(NOW, carers))
    expect(centre.assign(d, carerId, OP)).toEqual({ ok: false, code, message })
    expect(d.done()).toEqual(nothing())
  })
})

describe('escalate', () => {
  it('flags the alarm for the centre, with the dispatcher’s note, and counts it', () => {
    const d = aDraft(offeredAlarm(), firstRound(), at())
    expect(centre.escalate(d, OP, '家属电话无人接')).toEqual({ ok: true, value: null })
    const value = offeredAlarm({ escalated: true, seq: 5, updatedAt: NOW })
    const decision = d.done()
    expect(decision).toEqual({
      ...nothing(),
      change: {
        alarm: { value },
        entries: [
          {
            seq: 5,
            type: 'escalated',
            at: NOW,
            actor: OP,
            note: '家属电话无人接',
            data: { reason: 'manual' },
          },
        ],
        offers: { insert: [], status: [] },
      },
      emitted: [{ alarm: value, entry: decision.change.entries[0] }],
      counters: [{ name: 'care_alarms_escalated_total', labels: { reason: 'manual' } }],
    })
  })

  it('does nothing to an alarm already escalated', () => {
    const d = aDraft(offeredAlarm({ escalated: true }), firstRound(), at())
    expect(centre.escalate(d, OP)).toEqual({ ok: true, value: null })
    expect(d.done()).toEqual(nothing())
  })

  it('refuses a closed alarm', () => {
    const d = aDraft(anAlarm({ state: 'cancelled' }), [], at())
    expect(centre.escalate(d, OP)).toEqual({ ok: false, code: 'ALARM_CLOSED', message: 'alarm is cancelled' })
    expect(d.done()).toEqual(nothing())
  })
})

describe('resolve and cancel by the centre', () => {
  it('resolves a held alarm: the holder’s phone drops it, the holder is free, the elder hears', () => {
    const d = aDraft(acceptedAlarm(), acceptedOffers(), at())
    expect(centre.resolve(d, OP, 'assisted', '电话回访确认')).toEqual({ ok: true, value: null })
    const decision = d.done()
    expect(decision.change.alarm?.value).toEqual(
      acceptedAlarm({ state: 'resolved', resolvedAt: NOW, outcome: 'assisted', seq: 7, updatedAt: NOW }),
    )
    expect(decision.change.entries).toEqual([
      { seq: 7, type: 'resolved', at: NOW, actor: OP, note: '电话回访确认', data: { outcome: 'assisted' } },
    ])
    expect(decision.sends).toEqual([
      { to: 'carer', carerId: 'C1', message: aTask('withdrawn', anOffer('C1', 300, { status: 'accepted' })) },
      {
        to: 'device',
        deviceId: 'D1',
        message: { alarmId: 'A0001', state: 'resolved', text: '本次求助已办结，祝您平安' },
      },
    ])
    expect(decision.carers).toEqual({ busy: [], free: ['C1'], accepted: [] })
    expect(decision.deadlines).toEqual({
      arm: [],
      cancel: [
        { alarmId: 'A0001', kind: 'expiry' },
        { alarmId: 'A0001', kind: 'reminder' },
        { alarmId: 'A0001', kind: 'response' },
      ],
    })
  })

  it('resolves an offered alarm: every pending offer is withdrawn by the system first', () => {
    const d = aDraft(offeredAlarm(), firstRound(), at())
    expect(centre.resolve(d, OP, 'false_alarm').ok).toBe(true)
    const decision = d.done()
    expect(decision.change.entries).toEqual([
      { seq: 5, type: 'withdrawn', at: NOW, actor: 'system', carerId: 'C1' },
      { seq: 6, type: 'withdrawn', at: NOW, actor: 'system', carerId: 'C2' },
      { seq: 7, type: 'resolved', at: NOW, actor: OP, data: { outcome: 'false_alarm' } },
    ])
    expect(decision.change.offers.status).toEqual([
      { carerId: 'C1', status: 'withdrawn' },
      { carerId: 'C2', status: 'withdrawn' },
    ])
    expect(
      decision.sends.map((s) => (s.to === 'carer' ? [s.carerId, s.message.action] : [s.deviceId])),
    ).toEqual([['C1', 'withdrawn'], ['C2', 'withdrawn'], ['D1']])
    expect(decision.sends[0]).toEqual({
      to: 'carer',
      carerId: 'C1',
      message: aTask('withdrawn', anOffer('C1', 300)),
    })
    expect(decision.carers.free).toEqual([])
  })

  it('cancels a held alarm whose holder had no offer: withdrawn at no distance, no outcome', () => {
    const d = aDraft(acceptedAlarm({ carerId: 'C3' }), [], at())
    expect(centre.cancel(d, OP, '老人来电说误按')).toEqual({ ok: true, value: null })
    const decision = d.done()
    const value = decision.change.alarm?.value
    expect(value).toMatchObject({ state: 'cancelled', resolvedAt: NOW })
    expect(value).not.toHaveProperty('outcome')
    expect(decision.change.entries).toEqual([
      { seq: 7, type: 'cancelled', at: NOW, actor: OP, note: '老人来电说误按', data: {} },
    ])
    expect(decision.sends).toEqual([
      { to: 'carer', carerId: 'C3', message: aTask('withdrawn', { distanceM: 0, etaMin: 0 }) },
      { to: 'device', deviceId: 'D1', message: { alarmId: 'A0001', state: 'cancelled', text: '求助已取消' } },
    ])
    expect(decision.carers.free).toEqual(['C3'])
  })

  it('cancels a hotline alarm nobody held: no task, no device, nobody to free', () => {
    const hotline = anAlarm({ kind: 'manual', escalated: true, seq: 2 })
    delete hotline.deviceId
    const d = aDraft(hotline, [], at())
    expect(centre.cancel(d, OP).ok).toBe(true)
    const decision = d.done()
    expect(decision.change.entries).toEqual([{ seq: 3, type: 'cancelled', at: NOW, actor: OP, data: {} }])
    expect(decision.sends).toEqual([])
    expect(decision.carers).toEqual({ busy: [], free: [], accepted: [] })
  })

  it('refuses to close a closed alarm, and to resolve without an outcome', () => {
    const closed = () => aDraft(acceptedAlarm({ state: 'resolved' }), acceptedOffers(), at())
    const r = closed()
    expect(centre.resolve(r, OP, 'assisted')).toEqual({
      ok: false,
      code: 'ALARM_CLOSED',
      message: 'alarm is resolved',
    })
    expect(r.done()).toEqual(nothing())
    const c = closed()
    expect(centre.cancel(c, OP)).toEqual({ ok: false, code: 'ALARM_CLOSED', message: 'alarm is resolved' })
    expect(c.done()).toEqual(nothing())
    const o = aDraft(acceptedAlarm(), acceptedOffers(), at())
    expect(centre.resolve(o, OP, undefined)).toEqual({
      ok: false,
      code: 'OUTCOME_REQUIRED',
      message: 'resolve needs an outcome',
    })
    expect(o.done()).toEqual(nothing())
  })
})

describe('note and rate', () => {
  it('adds a note to any alarm, open or closed', () => {
    for (const alarm of [offeredAlarm(), acceptedAlarm({ state: 'resolved' })]) {
      const d = aDraft(alarm, [], at())
      expect(centre.note(d, OP, '已联系社区网格员')).toEqual({ ok: true, value: null })
      const decision = d.done()
      expect(decision.change.entries).toEqual([
        { seq: alarm.seq + 1, type: 'note', at: NOW, actor: OP, note: '已联系社区网格员' },
      ])
      expect(decision.change.alarm?.value).toEqual({ ...alarm, seq: alarm.seq + 1, updatedAt: NOW })
    }
  })

  it('rates a closed alarm, as often as ratings come', () => {
    const d = aDraft(acceptedAlarm({ state: 'resolved', seq: 8 }), [], at())
    expect(centre.rate(d, 'op:zhao', { score: 5, by: 'callback', note: '很满意' })).toEqual({
      ok: true,
      value: null,
    })
    expect(centre.rate(d, 'family', { score: 4, by: 'family' })).toEqual({ ok: true, value: null })
    expect(d.done().change.entries).toEqual([
      {
        seq: 9,
        type: 'rated',
        at: NOW,
        actor: 'op:zhao',
        note: '很满意',
        data: { score: 5, by: 'callback' },
      },
      { seq: 10, type: 'rated', at: NOW, actor: 'family', data: { score: 4, by: 'family' } },
    ])
  })

  it('refuses to rate an alarm that is still open', () => {
    const d = aDraft(offeredAlarm(), firstRound(), at())
    expect(centre.rate(d, OP, { score: 3, by: 'elder' })).toEqual({
      ok: false,
      code: 'INVALID_STATE',
      message: 'alarm is offered: rate it once closed',
    })
    expect(d.done()).toEqual(nothing())
  })
})
