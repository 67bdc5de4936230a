import { describe, expect, it } from 'vitest'
import { deadline, restore } from '../../../gateway/alarms/machine/timers.ts'
import {
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

/** contract: deadlines — a round's expiry, the holder's reminder, the graded response deadline — and their rebuilding after a restart. */

const ACCEPTED = T0 + 10_000
const MIN = 60_000

describe('a deadline comes', () => {
  it('an expiry lapses its round', () => {
    const d = aDraft(offeredAlarm(), firstRound(), aFacts({ now: T0 + MIN }))
    deadline(d, { kind: 'expiry', alarmId: 'A0001', at: T0 + MIN, round: 1 })
    expect(d.done().change.entries.map((e) => [e.type, e.carerId])).toEqual([
      ['offer_expired', 'C1'],
      ['offer_expired', 'C2'],
      ['offered', 'C3'],
    ])
  })

  it('a reminder goes once to the holder who has not arrived, with the route of their offer; nothing is stored', () => {
    const now = ACCEPTED + route(300).etaMin * MIN + 5 * MIN
    const d = aDraft(acceptedAlarm(), acceptedOffers(), aFacts({ now }))
    deadline(d, { kind: 'reminder', alarmId: 'A0001', at: now, carerId: 'C1' })
    expect(d.done()).toEqual({
      ...nothing(),
      sends: [
        {
          to: 'carer',
          carerId: 'C1',
          message: aTask('reminder', anOffer('C1', 300, { status: 'accepted' })),
        },
      ],
      counters: [{ name: 'care_reminders_total' }],
    })
  })

  it('a holder the centre chose without an offer is reminded at no known distance', () => {
    const d = aDraft(acceptedAlarm({ carerId: 'C3' }), firstRound(), aFacts({ now: T0 + 20 * MIN }))
    deadline(d, { kind: 'reminder', alarmId: 'A0001', at: T0 + 20 * MIN, carerId: 'C3' })
    expect(d.done().sends).toEqual([
      { to: 'carer', carerId: 'C3', message: aTask('reminder', { distanceM: 0, etaMin: 0 }) },
    ])
  })

  it('the response deadline marks an alarm nobody reached overdue, for the centre; nothing is sent', () => {
    const at = T0 + 15 * MIN
    const d = aDraft(acceptedAlarm(), acceptedOffers(), aFacts({ now: at }))
    deadline(d, { kind: 'response', alarmId: 'A0001', at })
    const decision = d.done()
    expect(decision.change.alarm?.value.overdueAt).toBe(at)
    expect(decision.change.entries).toEqual([
      { seq: 7, type: 'overdue', at, actor: 'system', data: { deadlineMin: 15, state: 'accepted' } },
    ])
    expect(decision.sends).toEqual([])
    expect(decision.counters).toEqual([{ name: 'care_alarms_overdue_total', labels: { risk: 'medium' } }])
    // the deadline of a high-risk elder is theirs (10 min)
    const high = aDraft(
      offeredAlarm(),
      firstRound(),
      aFacts({ now: T0 + 10 * MIN, elder: anElder({ risk: 'high' }) }),
    )
    deadline(high, { kind: 'response', alarmId: 'A0001', at: T0 + 10 * MIN })
    const offered = high.done()
    expect(offered.change.entries.map((e) => [e.type, e.data])).toEqual([
      ['overdue', { deadlineMin: 10, state: 'offered' }],
    ])
    expect(offered.sends).toEqual([])
  })

  it('no overdue mark once someone arrived, the alarm closed, or it was marked already', () => {
    for (const alarm of [
      acceptedAlarm({ state: 'arrived' }),
      acceptedAlarm({ state: 'resolved' }),
      acceptedAlarm({ overdueAt: T0 + 15 * MIN }),
    ]) {
      const d = aDraft(alarm, acceptedOffers(), aFacts({ now: T0 + 16 * MIN }))
      deadline(d, { kind: 'response', alarmId: 'A0001', at: T0 + 16 * MIN })
      expect(d.done()).toEqual(nothing())
    }
  })

  it('no reminder once the holder arrived, nor to a carer who no longer holds the alarm', () => {
    const arrived = aDraft(
      acceptedAlarm({ state: 'arrived' }),
      acceptedOffers(),
      aFacts({ now: T0 + 20 * MIN }),
    )
    deadline(arrived, { kind: 'reminder', alarmId: 'A0001', at: T0 + 20 * MIN, carerId: 'C1' })
    expect(arrived.done()).toEqual(nothing())
    const reassigned = aDraft(
      acceptedAlarm({ carerId: 'C2' }),
      acceptedOffers(),
      aFacts({ now: T0 + 20 * MIN }),
    )
    deadline(reassigned, { kind: 'reminder', alarmId: 'A0001', at: T0 + 20 * MIN, carerId: 'C1' })
    expect(reassigned.done()).toEqual(nothing())
  })
})

describe('restore after a restart', () => {
  const LATER = T0 + 20 * MIN
  /** The elder's graded response deadline (medium risk: 15 min), armed for every alarm nobody reached. */
  const RESPONSE = { kind: 'response', alarmId: 'A0001', at: T0 + 15 * MIN } as const

  it('re-arms a held alarm’s reminder from when it was accepted, past the offer’s ETA', () => {
    const d = aDraft(acceptedAlarm(), acceptedOffers(), aFacts({ now: LATER }))
    expect(restore(d)).toBe(true)
    expect(d.done()).toEqual({
      ...nothing(),
      deadlines: {
        arm: [
          RESPONSE,
          {
            kind: 'reminder',
            alarmId: 'A0001',
            carerId: 'C1',
            at: ACCEPTED + route(300).etaMin * MIN + 5 * MIN,
          },
        ],
        cancel: [],
      },
    })
  })

  it('assumes a 10-minute ETA for a holder without an offer', () => {
    const d = aDraft(acceptedAlarm({ carerId: 'C3' }), [], aFacts({ now: LATER }))
    expect(restore(d)).toBe(true)
    expect(d.done().deadlines.arm).toEqual([
      RESPONSE,
      { kind: 'reminder', alarmId: 'A0001', carerId: 'C3', at: ACCEPTED + 15 * MIN },
    ])
  })

  it('re-arms a pending round’s expiry at its offers’ deadline', () => {
    const d = aDraft(offeredAlarm(), firstRound(), aFacts({ now: T0 + 30_000 }))
    expect(restore(d)).toBe(true)
    expect(d.done()).toEqual({
      ...nothing(),
      deadlines: {
        arm: [RESPONSE, { kind: 'expiry', alarmId: 'A0001', at: T0 + MIN, round: 1 }],
        cancel: [],
      },
    })
  })

  it('re-arms a round whose offers had deadlines of their own at the latest, so each lapses by then', () => {
    const offers = [anOffer('C1', 300), anOffer('C2', 500, { expiresAt: T0 + 90_000 })]
    const d = aDraft(offeredAlarm(), offers, aFacts({ now: T0 + 30_000 }))
    restore(d)
    expect(d.done().deadlines.arm).toEqual([
      RESPONSE,
      { kind: 'expiry', alarmId: 'A0001', at: T0 + 90_000, round: 1 },
    ])
    // at that deadline both offers lapse together (at the earlier one, C2 would be left with none armed)
    const due = aDraft(offeredAlarm(), offers, aFacts({ now: T0 + 90_000 }))
    deadline(due, { kind: 'expiry', alarmId: 'A0001', at: T0 + 90_000, round: 1 })
    expect(due.done().change.offers.status).toEqual([
      { carerId: 'C1', status: 'expired' },
      { carerId: 'C2', status: 'expired' },
    ])
  })

  it('gives an alarm caught between rounds its next round', () => {
    const offers = [anOffer('C1', 300, { status: 'declined' }), anOffer('C2', 500, { status: 'declined' })]
    const d = aDraft(offeredAlarm(), offers, aFacts({ now: LATER }))
    expect(restore(d)).toBe(true)
    const decision = d.done()
    expect(decision.change.offers.insert.map((o) => [o.carerId, o.round])).toEqual([['C3', 2]])
    expect(decision.deadlines.arm).toEqual([
      RESPONSE,
      { kind: 'expiry', alarmId: 'A0001', at: LATER + MIN, round: 2 },
    ])
  })

  it('gives a raised alarm never offered its first round', () => {
    const d = aDraft(anAlarm(), [], aFacts({ now: LATER }))
    expect(restore(d)).toBe(true)
    expect(d.done().change.offers.insert.map((o) => o.carerId)).toEqual(['C1', 'C2'])
  })

  it('gives an alarm with the centre only its response deadline, none once overdue', () => {
    for (const [alarm, offers] of [
      [anAlarm({ escalated: true }), []],
      [offeredAlarm({ escalated: true }), [anOffer('C1', 300, { status: 'expired' })]],
    ] as const) {
      const d = aDraft(alarm, offers, aFacts({ now: LATER }))
      expect(restore(d)).toBe(false)
      expect(d.done()).toEqual({ ...nothing(), deadlines: { arm: [RESPONSE], cancel: [] } })
    }
    const overdue = aDraft(anAlarm({ escalated: true, overdueAt: T0 + 15 * MIN }), [], aFacts({ now: LATER }))
    expect(restore(overdue)).toBe(false)
    expect(overdue.done()).toEqual(nothing())
  })

  it('sets nothing for an alarm the carer reached, or a closed one', () => {
    for (const [alarm, offers] of [
      [acceptedAlarm({ state: 'arrived' }), acceptedOffers()],
      [acceptedAlarm({ state: 'resolved' }), acceptedOffers()],
      [anAlarm({ state: 'cancelled' }), []],
    ] as const) {
      const d = aDraft(alarm, offers, aFacts({ now: LATER }))
      expect(restore(d)).toBe(false)
      expect(d.done()).toEqual(nothing())
    }
  })
})
