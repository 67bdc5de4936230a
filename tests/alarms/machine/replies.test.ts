import { describe, expect, it } from 'vitest'
import { reply } from '../../../gateway/alarms/machine/replies.ts'
import type { ReplyPayload } from '../../../kernel/contract/payloads.ts'
import {
  aCarer,
  acceptedAlarm,
  acceptedOffers,
  aDraft,
  aFacts,
  anOffer,
  aTask,
  firstRound,
  HOME,
  north,
  nothing,
  offeredAlarm,
  route,
  T0,
  threeCarers,
} from './world.ts'

/** contract: a carer's reply — the first accept wins, a decline moves the round on, arrival is measured, the holder resolves. */

const body = (action: ReplyPayload['action'], over: Partial<ReplyPayload> = {}): ReplyPayload => ({
  alarmId: 'A0001',
  action,
  ts: T0,
  ...over,
})

const ACCEPTED = T0 + 10_000
const ARRIVED = T0 + 7 * 60_000

describe('accept', () => {
  it('gives the alarm to the first carer: withdraws the others, reminds past the ETA, tells the elder who comes', () => {
    const d = aDraft(offeredAlarm(), firstRound(), aFacts({ now: ACCEPTED }))
    expect(reply(d, 'C1', body('accept'))).toEqual({ ok: true, value: null })
    const decision = d.done()
    const c1 = route(300)
    expect(decision.change.alarm?.value).toEqual(
      offeredAlarm({ state: 'accepted', carerId: 'C1', acceptedAt: ACCEPTED, seq: 6, updatedAt: ACCEPTED }),
    )
    expect(decision.change.entries).toEqual([
      {
        seq: 5,
        type: 'accepted',
        at: ACCEPTED,
        actor: 'C1',
        carerId: 'C1',
        data: { distanceM: 300, etaMin: c1.etaMin },
      },
      { seq: 6, type: 'withdrawn', at: ACCEPTED, actor: 'system', carerId: 'C2' },
    ])
    expect(decision.change.offers).toEqual({
      insert: [],
      status: [
        { carerId: 'C1', status: 'accepted' },
        { carerId: 'C2', status: 'withdrawn' },
      ],
    })
    expect(decision.deadlines).toEqual({
      cancel: [{ alarmId: 'A0001', kind: 'expiry' }],
      arm: [
        { kind: 'reminder', alarmId: 'A0001', carerId: 'C1', at: ACCEPTED + c1.etaMin * 60_000 + 5 * 60_000 },
      ],
    })
    expect(decision.carers).toEqual({ busy: ['C1'], free: [], accepted: ['C1'] })
    expect(decision.sends).toEqual([
      { to: 'carer', carerId: 'C1', message: aTask('assigned', c1) },
      { to: 'carer', carerId: 'C2', message: aTask('withdrawn', anOffer('C2', 500)) },
      {
        to: 'device',
        deviceId: 'D1',
        message: {
          alarmId: 'A0001',
          state: 'assigned',
          text: '服务人员护理员C1正在赶来，预计2分钟到达',
          etaMin: 2,
          carer: { name: '护理员C1', phone: '13700000001' },
        },
      },
    ])
    expect(decision.spans).toEqual([
      { name: 'care_offer_accept_seconds', kind: 'sos', from: T0, to: ACCEPTED },
    ])
    expect(decision.counters).toEqual([])
    expect(decision.audit).toEqual([])
  })

  it('tells the elder someone is coming even when the carer’s profile is gone', () => {
    const d = aDraft(offeredAlarm(), firstRound(), aFacts({ now: ACCEPTED, carers: [aCarer('C2', 500)] }))
    expect(reply(d, 'C1', body('accept')).ok).toBe(true)
    expect(d.done().sends.at(-1)).toEqual({
      to: 'device',
      deviceId: 'D1',
      message: {
        alarmId: 'A0001',
        state: 'assigned',
        text: '服务人员正在赶来，预计2分钟到达',
        etaMin: 2,
        carer: { name: '', phone: '' },
      },
    })
  })

  it.each([
    ['a carer never asked', offeredAlarm(), firstRound(), 'C3', ACCEPTED, 'OFFER_NOT_FOUND'],
    ['a second accept', acceptedAlarm(), acceptedOffers(), 'C2', ACCEPTED, 'ALARM_ALREADY_ACCEPTED'],
    ['an accept after the deadline', offeredAlarm(), firstRound(), 'C1', T0 + 60_001, 'OFFER_EXPIRED'],
    [
      'an accept of a closed alarm',
      offeredAlarm({ state: 'cancelled' }),
      firstRound(),
      'C1',
      ACCEPTED,
      'ALARM_CLOSED',
    ],
  ] as const)(
    'refuses %s, counts it and audits it, and changes nothing',
    (_, alarm, offers, carerId, now, code) => {
      const d = aDraft(alarm, offers, aFacts({ now }))
      expect(reply(d, carerId, body('accept'))).toEqual({
        ok: false,
        code,
        message: `accept refused: ${code}`,
      })
      expect(d.done()).toEqual({
        ...nothing(),
        counters: [{ name: 'care_replies_refused_total', labels: { code } }],
        audit: [{ actor: carerId, action: 'dispatch.accept_refused', target: 'A0001', detail: { code } }],
      })
    },
  )
})

describe('decline', () => {
  it('records the decline and waits for the round’s other offer', () => {
    const d = aDraft(offeredAlarm(), firstRound(), aFacts({ now: ACCEPTED }))
    expect(reply(d, 'C1', body('decline'))).toEqual({ ok: true, value: null })
    const decision = d.done()
    expect(decision).toEqual({
      ...nothing(),
      change: {
        alarm: { value: offeredAlarm({ seq: 5, updatedAt: ACCEPTED }) },
        entries: [{ seq: 5, type: 'declined', at: ACCEPTED, actor: 'C1', carerId: 'C1' }],
        offers: { insert: [], status: [{ carerId: 'C1', status: 'declined' }] },
      },
      emitted: decision.emitted,
    })
  })

  it('starts the next round when the last offer of the round is declined', () => {
    const offers = [anOffer('C1', 300, { status: 'declined' }), anOffer('C2', 500)]
    const d = aDraft(offeredAlarm({ seq: 5 }), offers, aFacts({ now: ACCEPTED }))
    expect(reply(d, 'C2', body('decline')).ok).toBe(true)
    const decision = d.done()
    expect(decision.change.entries.map((e) => [e.type, e.carerId])).toEqual([
      ['declined', 'C2'],
      ['offered', 'C3'],
    ])
    expect(decision.deadlines.cancel).toEqual([{ alarmId: 'A0001', kind: 'expiry' }])
  })

  it('refuses a carer with no offer, and an offer already answered', () => {
    const none = aDraft(offeredAlarm(), firstRound())
    expect(reply(none, 'C3', body('decline'))).toEqual({
      ok: false,
      code: 'OFFER_NOT_FOUND',
      message: 'C3 has no offer of A0001',
    })
    expect(none.done()).toEqual(nothing())
    const twice = aDraft(offeredAlarm(), [anOffer('C1', 300, { status: 'declined' }), anOffer('C2', 500)])
    expect(reply(twice, 'C1', body('decline'))).toEqual({
      ok: false,
      code: 'OFFER_EXPIRED',
      message: 'the offer is declined',
    })
    expect(twice.done()).toEqual(nothing())
  })
})

describe('arrive', () => {
  const arrive = (over: Partial<ReplyPayload> = {}, carers = threeCarers(), carerId = 'C1') => {
    const d = aDraft(acceptedAlarm(), acceptedOffers(), aFacts({ now: ARRIVED, carers }))
    const result = reply(d, carerId, body('arrive', over))
    return { result, decision: d.done() }
  }

  it('records the distance from the elder, ends the reminder and tells the elder', () => {
    const at = north(50)
    const { result, decision } = arrive({ lat: at.lat, lon: at.lon })
    expect(result).toEqual({ ok: true, value: null })
    const value = acceptedAlarm({
      state: 'arrived',
      arrivedAt: ARRIVED,
      arrivalDistanceM: 50,
      arrivalFlagged: false,
      seq: 7,
      updatedAt: ARRIVED,
    })
    expect(decision).toEqual({
      ...nothing(),
      change: {
        alarm: { value },
        entries: [
          {
            seq: 7,
            type: 'arrived',
            at: ARRIVED,
            actor: 'C1',
            carerId: 'C1',
            data: { distanceM: 50, flagged: false },
          },
        ],
        offers: { insert: [], status: [] },
      },
      emitted: decision.emitted,
      deadlines: {
        arm: [],
        cancel: [
          { alarmId: 'A0001', kind: 'reminder' },
          { alarmId: 'A0001', kind: 'response' },
        ],
      },
      sends: [
        {
          to: 'device',
          deviceId: 'D1',
          message: { alarmId: 'A0001', state: 'arrived', text: '服务人员已到达' },
        },
      ],
      spans: [{ name: 'care_accept_arrive_seconds', kind: 'sos', from: ACCEPTED, to: ARRIVED }],
    })
  })

  it('flags an arrival more than 200 m away, and counts it, but accepts it', () => {
    const at = north(350)
    const { result, decision } = arrive({ lat: at.lat, lon: at.lon })
    expect(result.ok).toBe(true)
    expect(decision.change.alarm?.value).toMatchObject({
      state: 'arrived',
      arrivalDistanceM: 350,
      arrivalFlagged: true,
    })
    expect(decision.change.entries[0]?.data).toEqual({ distanceM: 350, flagged: true })
    expect(decision.counters).toEqual([{ name: 'care_arrivals_flagged_total' }])
  })

  it('measures from the carer’s last position when the reply has no fix', () => {
    const live = { ...north(80), at: ARRIVED - 30_000 }
    const carers = [aCarer('C1', 300, { position: live }), aCarer('C2', 500)]
    const { decision } = arrive({}, carers)
    expect(decision.change.entries[0]?.data).toEqual({ distanceM: 80, flagged: false })
    expect(decision.counters).toEqual([])
  })

  it('flags an arrival whose place nobody knows, with no distance', () => {
    for (const carers of [threeCarers(), [aCarer('C2', 500)]]) {
      const { result, decision } = arrive({}, carers)
      expect(result.ok).toBe(true)
      const value = decision.change.alarm?.value
      expect(value).toMatchObject({ state: 'arrived', arrivalFlagged: true })
      expect(value).not.toHaveProperty('arrivalDistanceM')
      expect(decision.change.entries[0]?.data).toEqual({ distanceM: null, flagged: true })
      expect(decision.counters).toEqual([{ name: 'care_arrivals_flagged_total' }])
    }
  })

  it('refuses a carer who does not hold the alarm, and a second arrival', () => {
    const other = arrive({ lat: HOME.lat, lon: HOME.lon }, threeCarers(), 'C2')
    expect(other.result).toEqual({ ok: false, code: 'NOT_ASSIGNED', message: 'C2 is not assigned to A0001' })
    expect(other.decision).toEqual(nothing())
    const d = aDraft(acceptedAlarm({ state: 'arrived', arrivedAt: ARRIVED }), acceptedOffers(), aFacts())
    expect(reply(d, 'C1', body('arrive'))).toEqual({
      ok: false,
      code: 'INVALID_STATE',
      message: 'alarm is arrived',
    })
    expect(d.done()).toEqual(nothing())
  })
})

describe('resolve by the carer', () => {
  const RESOLVED = T0 + 40 * 60_000

  it('closes the alarm with the outcome: the carer is free, the device hears, no task goes back to the carer', () => {
    const arrived = acceptedAlarm({ state: 'arrived', arrivedAt: ARRIVED, seq: 7 })
    const d = aDraft(arrived, acceptedOffers(), aFacts({ now: RESOLVED }))
    const result = reply(d, 'C1', body('resolve', { outcome: 'hospital', note: '已送医院' }))
    expect(result).toEqual({ ok: true, value: null })
    const decision = d.done()
    const value = {
      ...arrived,
      state: 'resolved',
      resolvedAt: RESOLVED,
      outcome: 'hospital',
      seq: 8,
      updatedAt: RESOLVED,
    }
    expect(decision).toEqual({
      ...nothing(),
      change: {
        alarm: { value },
        entries: [
          {
            seq: 8,
            type: 'resolved',
            at: RESOLVED,
            actor: 'C1',
            carerId: 'C1',
            note: '已送医院',
            data: { outcome: 'hospital' },
          },
        ],
        offers: { insert: [], status: [] },
      },
      emitted: decision.emitted,
      deadlines: {
        arm: [],
        cancel: [
          { alarmId: 'A0001', kind: 'expiry' },
          { alarmId: 'A0001', kind: 'reminder' },
          { alarmId: 'A0001', kind: 'response' },
        ],
      },
      sends: [
        {
          to: 'device',
          deviceId: 'D1',
          message: { alarmId: 'A0001', state: 'resolved', text: '本次求助已办结，祝您平安' },
        },
      ],
      carers: { busy: [], free: ['C1'], accepted: [] },
    })
  })

  it('lets the holder resolve before checking in', () => {
    const d = aDraft(acceptedAlarm(), acceptedOffers(), aFacts({ now: RESOLVED }))
    expect(reply(d, 'C1', body('resolve', { outcome: 'false_alarm' })).ok).toBe(true)
    expect(d.done().change.alarm?.value).toMatchObject({ state: 'resolved', outcome: 'false_alarm' })
  })

  it('refuses another carer, a closed alarm, and a resolve without an outcome', () => {
    const cases = [
      [acceptedAlarm(), 'C2', 'assisted', 'NOT_ASSIGNED', 'C2 is not assigned to A0001'],
      [acceptedAlarm({ state: 'resolved' }), 'C1', 'assisted', 'INVALID_STATE', 'alarm is resolved'],
      [acceptedAlarm(), 'C1', undefined, 'OUTCOME_REQUIRED', 'resolve needs an outcome'],
    ] as const
    for (const [alarm, carerId, outcome, code, message] of cases) {
      const d = aDraft(alarm, acceptedOffers(), aFacts({ now: RESOLVED }))
      const r = body('resolve')
      if (outcome) r.outcome = outcome
      expect(reply(d, carerId, r)).toEqual({ ok: false, code, message })
      expect(d.done()).toEqual(nothing())
    }
  })
})
