import { describe, expect, it } from 'vitest'
import { arrivalCheck } from '../../gateway/alarms/machine/replies.ts'
import {
  checkAccept,
  type OfferRecord,
  offersPerRound,
  offerTimeoutMs,
  planRound,
  type RoundAlarm,
  roundClosed,
} from '../../gateway/alarms/offers.ts'
import { type Candidate, defaultRules, type Point } from '../../gateway/dispatch/types.ts'

/** The contract's offer rules: how many at once, how long, rounds, escalation, who wins, arrival. */

const rules = defaultRules
const NOW = Date.UTC(2025, 2, 3, 9, 0, 0)
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

type AlarmView = RoundAlarm & { state: string; carerId?: string }

function anAlarm(over: Partial<AlarmView> = {}): AlarmView {
  return { priority: 1, risk: 'medium', round: 0, state: 'open', ...over }
}

function aCandidate(carerId: string, over: Partial<Candidate> = {}): Candidate {
  return { carerId, distanceM: 500, etaMin: 5, inCircle: true, alarmsToday: 0, ...over }
}

function anOffer(carerId: string, over: Partial<OfferRecord> = {}): OfferRecord {
  return {
    carerId,
    round: 1,
    status: 'pending',
    offeredAt: NOW,
    expiresAt: NOW + 60_000,
    distanceM: 500,
    etaMin: 5,
    ...over,
  }
}

/** The accept check on an alarm as the tests hold it. */
function decideAccept(alarm: AlarmView, offers: readonly OfferRecord[], carerId: string, now: number) {
  return checkAccept(alarm.state, offers, carerId, now)
}

describe('offerTimeoutMs and offersPerRound', () => {
  it('priority 1: 2 offers at once, each for 60 s', () => {
    expect(offersPerRound(1, 'medium', rules)).toBe(2)
    expect(offerTimeoutMs(1, 'medium', rules)).toBe(60_000)
  })

  it('priority 1 for a high-risk elder: 3 offers at once, each for 30 s', () => {
    expect(offersPerRound(1, 'high', rules)).toBe(3)
    expect(offerTimeoutMs(1, 'high', rules)).toBe(30_000)
  })

  it.each([2, 3] as const)('priority %d: one offer at a time, for 120 s', (priority) => {
    expect(offersPerRound(priority, 'medium', rules)).toBe(1)
    expect(offerTimeoutMs(priority, 'low', rules)).toBe(120_000)
  })

  it('priority 2 for a high-risk elder: still one at a time', () => {
    expect(offersPerRound(2, 'high', rules)).toBe(1)
  })

  // the contract halves only the priority-1 timeout for a high-risk elder
  it('priority 2 for a high-risk elder: still 120 s (contract)', () => {
    expect(offerTimeoutMs(2, 'high', rules)).toBe(120_000)
  })
})

describe('planRound', () => {
  const ranked = ['c1', 'c2', 'c3', 'c4'].map((id) => aCandidate(id))

  it('priority 1: offers the 2 best at once, expiring in 60 s', () => {
    expect(planRound(anAlarm(), ranked, [], NOW, rules)).toEqual({
      type: 'offer',
      round: 1,
      expiresAt: NOW + 60_000,
      offers: [ranked[0], ranked[1]],
    })
  })

  it('priority 1 for a high-risk elder: offers the 3 best, expiring in 30 s', () => {
    const decision = planRound(anAlarm({ risk: 'high' }), ranked, [], NOW, rules)
    expect(decision).toEqual({ type: 'offer', round: 1, expiresAt: NOW + 30_000, offers: ranked.slice(0, 3) })
  })

  it('priority 2 and 3: offers the best one, expiring in 120 s', () => {
    for (const priority of [2, 3] as const) {
      const decision = planRound(anAlarm({ priority, risk: 'low' }), ranked, [], NOW, rules)
      expect(decision).toEqual({ type: 'offer', round: 1, expiresAt: NOW + 120_000, offers: [ranked[0]] })
    }
  })

  it('priority 4: holds for the centre, offering nobody', () => {
    expect(planRound(anAlarm({ priority: 4 }), ranked, [], NOW, rules)).toEqual({ type: 'hold' })
  })

  it('offers what there is when fewer candidates than offers per round', () => {
    const decision = planRound(anAlarm({ risk: 'high' }), ranked.slice(0, 1), [], NOW, rules)
    expect(decision).toMatchObject({ type: 'offer', offers: [ranked[0]] })
  })

  it('never offers again to carers offered in an earlier round', () => {
    const past = [anOffer('c1', { status: 'expired' }), anOffer('c2', { status: 'declined' })]
    const decision = planRound(anAlarm({ round: 1, state: 'offered' }), ranked, past, NOW, rules)
    expect(decision).toMatchObject({ type: 'offer', round: 2, offers: [ranked[2], ranked[3]] })
  })

  it('escalates as rounds_exhausted after 3 rounds, even with candidates left', () => {
    const past = ['x1', 'x2', 'x3'].map((id, i) => anOffer(id, { round: i + 1, status: 'expired' }))
    const decision = planRound(anAlarm({ round: 3, state: 'offered' }), ranked, past, NOW, rules)
    expect(decision).toEqual({ type: 'escalate', reason: 'rounds_exhausted' })
  })

  it('escalates as no_candidate when nobody can go', () => {
    expect(planRound(anAlarm(), [], [], NOW, rules)).toEqual({ type: 'escalate', reason: 'no_candidate' })
  })

  it('escalates as no_candidate when everyone left has already been offered', () => {
    const past = ranked.map((c) => anOffer(c.carerId, { status: 'expired' }))
    const decision = planRound(anAlarm({ round: 2, state: 'offered' }), ranked, past, NOW, rules)
    expect(decision).toEqual({ type: 'escalate', reason: 'no_candidate' })
  })
})

describe('roundClosed', () => {
  it('is open while an offer of the round is pending', () => {
    const offers = [anOffer('a', { status: 'declined' }), anOffer('b')]
    expect(roundClosed(1, offers)).toBe(false)
  })

  it('is closed once every offer of the round is answered or expired', () => {
    const offers = [anOffer('a', { status: 'declined' }), anOffer('b', { status: 'expired' })]
    expect(roundClosed(1, offers)).toBe(true)
  })

  it('looks only at offers of that round', () => {
    const offers = [anOffer('a', { round: 1, status: 'expired' }), anOffer('b', { round: 2 })]
    expect(roundClosed(1, offers)).toBe(true)
    expect(roundClosed(2, offers)).toBe(false)
  })

  it('is closed with no offers at all', () => {
    expect(roundClosed(1, [])).toBe(true)
  })
})

describe('decideAccept', () => {
  const offered = anAlarm({ round: 1, state: 'offered' })
  const offers = [anOffer('a'), anOffer('b'), anOffer('c', { status: 'declined' })]

  it('lets the first accept win and withdraws the other pending offers', () => {
    expect(decideAccept(offered, offers, 'a', NOW + 10_000)).toEqual({ ok: true, withdraw: ['b'] })
  })

  it('withdraws nobody when the accepted offer was the only one pending', () => {
    expect(decideAccept(offered, [anOffer('a')], 'a', NOW)).toEqual({ ok: true, withdraw: [] })
  })

  it('refuses a second accept with ALARM_ALREADY_ACCEPTED', () => {
    const accepted = anAlarm({ round: 1, state: 'accepted', carerId: 'a' })
    const after = [anOffer('a', { status: 'accepted' }), anOffer('b', { status: 'withdrawn' })]
    expect(decideAccept(accepted, after, 'b', NOW + 20_000)).toEqual({
      ok: false,
      code: 'ALARM_ALREADY_ACCEPTED',
    })
  })

  it('refuses an accept once the carer has arrived with ALARM_ALREADY_ACCEPTED', () => {
    const arrived = anAlarm({ round: 1, state: 'arrived', carerId: 'a' })
    expect(decideAccept(arrived, offers, 'b', NOW)).toEqual({ ok: false, code: 'ALARM_ALREADY_ACCEPTED' })
  })

  // docs/decisions.md: an offer stands until its `expiresAt`, that millisecond included
  it('takes an accept made exactly at the offer’s expiresAt', () => {
    expect(decideAccept(offered, offers, 'a', NOW + 60_000)).toEqual({ ok: true, withdraw: ['b'] })
  })

  it('refuses an accept after the offer expired with OFFER_EXPIRED', () => {
    expect(decideAccept(offered, offers, 'a', NOW + 60_001)).toEqual({ ok: false, code: 'OFFER_EXPIRED' })
  })

  it('refuses an accept of an offer already marked expired with OFFER_EXPIRED', () => {
    const lapsed = [anOffer('a', { status: 'expired' }), anOffer('b')]
    expect(decideAccept(offered, lapsed, 'a', NOW + 1_000)).toEqual({ ok: false, code: 'OFFER_EXPIRED' })
  })

  it.each(['resolved', 'cancelled'] as const)(
    'refuses an accept on a %s alarm with ALARM_CLOSED',
    (state) => {
      expect(decideAccept(anAlarm({ round: 1, state }), offers, 'a', NOW)).toEqual({
        ok: false,
        code: 'ALARM_CLOSED',
      })
    },
  )

  it('refuses a carer who was never offered the alarm with OFFER_NOT_FOUND', () => {
    expect(decideAccept(offered, offers, 'stranger', NOW)).toEqual({ ok: false, code: 'OFFER_NOT_FOUND' })
  })
})

describe('arrivalCheck', () => {
  it('records the distance from the elder, unflagged within 200 m', () => {
    expect(arrivalCheck(HOME, north(150), rules.arrivalFlagM)).toEqual({ distanceM: 150, flagged: false })
  })

  it('flags an arrival more than 200 m away, still recording the distance', () => {
    expect(arrivalCheck(HOME, east(250), rules.arrivalFlagM)).toEqual({ distanceM: 250, flagged: true })
  })

  it('does not flag an arrival exactly 200 m away', () => {
    expect(arrivalCheck(HOME, north(200), rules.arrivalFlagM)).toEqual({ distanceM: 200, flagged: false })
  })

  it('flags an arrival from an unknown position, with no distance', () => {
    expect(arrivalCheck(HOME, undefined, rules.arrivalFlagM)).toEqual({ flagged: true })
  })
})
