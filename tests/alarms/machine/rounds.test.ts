import { describe, expect, it } from 'vitest'
import { reply } from '../../../gateway/alarms/machine/replies.ts'
import { afterRoundAnswer, lapse, nextRound } from '../../../gateway/alarms/machine/rounds.ts'
import {
  aCarer,
  acceptedAlarm,
  acceptedOffers,
  aDraft,
  aFacts,
  anAlarm,
  anElder,
  anOffer,
  aTask,
  firstRound,
  nothing,
  offeredAlarm,
  route,
  T0,
} from './world.ts'

/** contract: rounds of offers, their lapse at the deadline, and escalation after three rounds or when no one can go. */

const EXPIRY = T0 + 60_000

describe('lapse: the round’s deadline comes', () => {
  it('expires the round’s offers, withdraws them from the phones, and offers the next best carer', () => {
    const d = aDraft(offeredAlarm(), firstRound(), aFacts({ now: EXPIRY }))
    lapse(d, 1)
    const decision = d.done()
    const c3 = route(700)
    const next = EXPIRY + 60_000
    expect(decision.change.alarm?.value).toEqual(offeredAlarm({ round: 2, seq: 7, updatedAt: EXPIRY }))
    expect(decision.change.entries).toEqual([
      { seq: 5, type: 'offer_expired', at: EXPIRY, actor: 'system', carerId: 'C1', data: { round: 1 } },
      { seq: 6, type: 'offer_expired', at: EXPIRY, actor: 'system', carerId: 'C2', data: { round: 1 } },
      {
        seq: 7,
        type: 'offered',
        at: EXPIRY,
        actor: 'system',
        carerId: 'C3',
        data: { round: 2, distanceM: 700, etaMin: c3.etaMin, expiresAt: next },
      },
    ])
    expect(decision.change.offers).toEqual({
      insert: [{ carerId: 'C3', round: 2, status: 'pending', offeredAt: EXPIRY, expiresAt: next, ...c3 }],
      status: [
        { carerId: 'C1', status: 'expired' },
        { carerId: 'C2', status: 'expired' },
      ],
    })
    expect(decision.sends).toEqual([
      { to: 'carer', carerId: 'C1', message: aTask('withdrawn', anOffer('C1', 300)) },
      { to: 'carer', carerId: 'C2', message: aTask('withdrawn', anOffer('C2', 500)) },
      { to: 'carer', carerId: 'C3', message: aTask('offer', { ...c3, expiresAt: next }) },
    ])
    expect(decision.deadlines).toEqual({
      arm: [{ kind: 'expiry', alarmId: 'A0001', at: next, round: 2 }],
      cancel: [],
    })
    expect(decision.counters).toEqual([
      { name: 'care_offers_expired_total', by: 2 },
      { name: 'care_offers_total', labels: { priority: '1' }, by: 1 },
    ])
    // only the first offer of an alarm is a "time to first offer"
    expect(decision.spans).toEqual([])
    expect(decision.carers).toEqual({ busy: [], free: [], accepted: [] })
  })

  it('lapses an offer at its deadline itself, and not a millisecond before', () => {
    const early = aDraft(offeredAlarm(), firstRound(), aFacts({ now: EXPIRY - 1 }))
    lapse(early, 1)
    expect(early.done()).toEqual(nothing())
    const due = aDraft(offeredAlarm(), firstRound(), aFacts({ now: EXPIRY }))
    lapse(due, 1)
    expect(due.done().change.offers.status.map((s) => s.status)).toEqual(['expired', 'expired'])
  })

  it('ignores the deadline of a round that is over', () => {
    const d = aDraft(
      offeredAlarm({ round: 2, seq: 7 }),
      [
        anOffer('C1', 300, { status: 'expired' }),
        anOffer('C2', 500, { status: 'expired' }),
        anOffer('C3', 700, { round: 2, offeredAt: EXPIRY, expiresAt: EXPIRY + 60_000 }),
      ],
      aFacts({ now: EXPIRY + 60_000 }),
    )
    lapse(d, 1)
    expect(d.done()).toEqual(nothing())
  })

  it('lapses only the offers of the round whose deadline came, and starts no round while one of it still runs', () => {
    // two offers of round 1 with deadlines of their own (a restored round), and a stray offer of round 2
    const d = aDraft(
      offeredAlarm(),
      [
        anOffer('C1', 300),
        anOffer('C2', 500, { expiresAt: EXPIRY + 30_000 }),
        anOffer('C3', 700, { round: 2, offeredAt: T0, expiresAt: T0 + 1_000 }),
      ],
      aFacts({ now: EXPIRY }),
    )
    lapse(d, 1)
    const decision = d.done()
    expect(decision.change.offers).toEqual({ insert: [], status: [{ carerId: 'C1', status: 'expired' }] })
    expect(decision.change.entries.map((e) => [e.type, e.carerId])).toEqual([['offer_expired', 'C1']])
    // C2 still has time: no next round, no new offer, no new deadline
    expect(decision.deadlines).toEqual({ arm: [], cancel: [] })
    expect(decision.change.alarm?.value).toMatchObject({ state: 'offered', round: 1 })
  })

  it('ignores the deadline of an alarm a carer took in the meantime', () => {
    const d = aDraft(
      acceptedAlarm(),
      [anOffer('C1', 300, { status: 'accepted' }), anOffer('C2', 500)],
      aFacts({ now: EXPIRY }),
    )
    lapse(d, 1)
    expect(d.done()).toEqual(nothing())
  })

  it('escalates after the third round, saying so', () => {
    const d = aDraft(
      offeredAlarm({ round: 3, seq: 9 }),
      [anOffer('C1', 300, { round: 3, expiresAt: EXPIRY })],
      aFacts({ now: EXPIRY }),
    )
    lapse(d, 3)
    const decision = d.done()
    expect(decision.change.alarm?.value).toMatchObject({ state: 'open', escalated: true, round: 3, seq: 11 })
    expect(decision.change.entries[1]).toEqual({
      seq: 11,
      type: 'escalated',
      at: EXPIRY,
      actor: 'system',
      data: { reason: 'rounds_exhausted', round: 3 },
    })
    expect(decision.counters).toEqual([
      { name: 'care_offers_expired_total', by: 1 },
      { name: 'care_alarms_escalated_total', labels: { reason: 'rounds_exhausted' } },
    ])
    expect(decision.deadlines.arm).toEqual([])
  })

  it('escalates when every carer has been asked', () => {
    const d = aDraft(
      offeredAlarm(),
      firstRound(),
      aFacts({ now: EXPIRY, carers: [aCarer('C1', 300), aCarer('C2', 500)] }),
    )
    lapse(d, 1)
    expect(d.done().change.entries.at(-1)).toEqual({
      seq: 7,
      type: 'escalated',
      at: EXPIRY,
      actor: 'system',
      data: { reason: 'no_candidate', round: 1 },
    })
  })

  it('hands an alarm the centre already escalated back to the centre without a second escalation', () => {
    const d = aDraft(
      offeredAlarm({ escalated: true, seq: 5 }),
      firstRound(),
      aFacts({ now: EXPIRY, carers: [aCarer('C1', 300), aCarer('C2', 500)] }),
    )
    lapse(d, 1)
    const decision = d.done()
    expect(decision.change.alarm?.value).toMatchObject({ state: 'open', escalated: true, seq: 7 })
    expect(decision.change.entries.map((e) => e.type)).toEqual(['offer_expired', 'offer_expired'])
    expect(decision.counters).toEqual([{ name: 'care_offers_expired_total', by: 2 }])
  })
})

describe('nextRound', () => {
  it('offers a carer beyond 3 km once everyone within 3 km has been asked', () => {
    const carers = [aCarer('C1', 1_000), aCarer('C2', 5_000)]
    const first = aDraft(anAlarm(), [], aFacts({ carers }))
    nextRound(first)
    // within 3 km someone can go: the one beyond is not asked yet
    expect(first.done().change.offers.insert.map((o) => o.carerId)).toEqual(['C1'])
    const d = aDraft(offeredAlarm(), [anOffer('C1', 1_000)], aFacts({ now: T0 + 5_000, carers }))
    expect(reply(d, 'C1', { alarmId: 'A0001', action: 'decline', ts: T0 + 5_000 })).toEqual({
      ok: true,
      value: null,
    })
    expect(d.done().change.offers.insert.map((o) => [o.carerId, o.round])).toEqual([['C2', 2]])
  })

  it('treats the alarm of an erased elder as medium risk: two carers, 60 s', () => {
    const d = aDraft(anAlarm(), [], aFacts({ elder: undefined }))
    nextRound(d)
    const decision = d.done()
    expect(decision.change.offers.insert.map((o) => [o.carerId, o.expiresAt])).toEqual([
      ['C1', T0 + 60_000],
      ['C2', T0 + 60_000],
    ])
  })

  it('asks three carers for 30 s for a high-risk elder', () => {
    const facts = aFacts({ elder: anElder({ risk: 'high' }) })
    const d = aDraft(anAlarm(), [], facts)
    nextRound(d)
    expect(d.done().deadlines.arm).toEqual([{ kind: 'expiry', alarmId: 'A0001', at: T0 + 30_000, round: 1 }])
    expect(d.done().change.offers.insert.map((o) => o.carerId)).toEqual(['C1', 'C2', 'C3'])
  })

  it('decides nothing for an alarm a carer holds', () => {
    const d = aDraft(acceptedAlarm(), acceptedOffers())
    nextRound(d)
    expect(d.done()).toEqual(nothing())
  })

  it('leaves an escalated alarm that no one can take as it is, storing nothing', () => {
    const d = aDraft(anAlarm({ escalated: true, seq: 3 }), [], aFacts({ carers: [] }))
    nextRound(d)
    expect(d.done()).toEqual(nothing())
  })
})

describe('afterRoundAnswer', () => {
  it('waits while another offer of the round is pending', () => {
    const d = aDraft(offeredAlarm(), [anOffer('C1', 300, { status: 'declined' }), anOffer('C2', 500)])
    afterRoundAnswer(d, 1)
    expect(d.done()).toEqual(nothing())
  })

  it('cancels the round’s deadline and starts the next round once no offer is pending', () => {
    const d = aDraft(
      offeredAlarm(),
      [anOffer('C1', 300, { status: 'declined' }), anOffer('C2', 500, { status: 'declined' })],
      aFacts({ now: T0 + 5_000 }),
    )
    afterRoundAnswer(d, 1)
    const decision = d.done()
    expect(decision.deadlines).toEqual({
      cancel: [{ alarmId: 'A0001', kind: 'expiry' }],
      arm: [{ kind: 'expiry', alarmId: 'A0001', at: T0 + 65_000, round: 2 }],
    })
    expect(decision.change.offers.insert.map((o) => o.carerId)).toEqual(['C3'])
  })
})
