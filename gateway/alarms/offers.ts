import type { Candidate, DispatchRules, Priority, Risk } from '../dispatch/types.ts'

/** The contract's offer rules as pure functions: rounds, their size and length, and who wins. */

export type OfferStatus = 'pending' | 'declined' | 'expired' | 'withdrawn' | 'accepted'

export interface OfferRecord {
  carerId: string
  round: number
  status: OfferStatus
  offeredAt: number
  expiresAt: number
  distanceM: number
  etaMin: number
}

/** What the round rules need of an alarm. */
export interface RoundAlarm {
  priority: Priority
  risk: Risk
  /** Round in progress; 0 before the first offer. */
  round: number
}

export type RoundPlan =
  | { type: 'offer'; round: number; expiresAt: number; offers: Candidate[] }
  | { type: 'escalate'; reason: 'no_candidate' | 'rounds_exhausted' }
  /** Priority 4: never offered to carers, shown to the centre only. */
  | { type: 'hold' }

export type AcceptCheck =
  | { ok: true; withdraw: string[] }
  | { ok: false; code: 'OFFER_NOT_FOUND' | 'OFFER_EXPIRED' | 'ALARM_ALREADY_ACCEPTED' | 'ALARM_CLOSED' }

/** contract: priority 1 offers stand 60 s (30 s for a high-risk elder); lower priorities 120 s. */
export function offerTimeoutMs(priority: Priority, risk: Risk, rules: DispatchRules): number {
  if (priority !== 1) return rules.offerTimeoutLowMs
  return risk === 'high'
    ? Math.round(rules.offerTimeoutMs * rules.highRiskTimeoutFactor)
    : rules.offerTimeoutMs
}

/** contract: priority 1 in parallel to the 2 nearest (3 for high risk); lower priorities one at a time. */
export function offersPerRound(priority: Priority, risk: Risk, rules: DispatchRules): number {
  if (priority !== 1) return 1
  return risk === 'high' ? rules.parallelOffersHighRisk : rules.parallelOffers
}

/**
 * What the next round is: offers to the best candidates not yet asked, or
 * escalation after the last round or when no one can go, or nothing at priority 4.
 */
export function planRound(
  alarm: RoundAlarm,
  ranked: readonly Candidate[],
  past: readonly OfferRecord[],
  now: number,
  rules: DispatchRules,
): RoundPlan {
  if (alarm.priority === 4) return { type: 'hold' }
  if (alarm.round >= rules.maxRounds) return { type: 'escalate', reason: 'rounds_exhausted' }
  const tried = new Set(past.map((o) => o.carerId))
  const fresh = ranked.filter((c) => !tried.has(c.carerId))
  if (fresh.length === 0) return { type: 'escalate', reason: 'no_candidate' }
  return {
    type: 'offer',
    round: alarm.round + 1,
    expiresAt: now + offerTimeoutMs(alarm.priority, alarm.risk, rules),
    offers: fresh.slice(0, offersPerRound(alarm.priority, alarm.risk, rules)),
  }
}

/** A round is over when none of its offers is still pending. */
export function roundClosed(round: number, offers: readonly OfferRecord[]): boolean {
  return !offers.some((o) => o.round === round && o.status === 'pending')
}

/** contract: the first accept wins; the others are withdrawn. An accept at `expiresAt` itself is in time. */
export function checkAccept(
  state: string,
  offers: readonly OfferRecord[],
  carerId: string,
  now: number,
): AcceptCheck {
  if (state === 'resolved' || state === 'cancelled') return { ok: false, code: 'ALARM_CLOSED' }
  if (state === 'accepted' || state === 'arrived') return { ok: false, code: 'ALARM_ALREADY_ACCEPTED' }
  const offer = offers.find((o) => o.carerId === carerId)
  if (!offer) return { ok: false, code: 'OFFER_NOT_FOUND' }
  if (offer.status !== 'pending' || now > offer.expiresAt) return { ok: false, code: 'OFFER_EXPIRED' }
  const withdraw = offers.filter((o) => o.status === 'pending' && o.carerId !== carerId).map((o) => o.carerId)
  return { ok: true, withdraw }
}
