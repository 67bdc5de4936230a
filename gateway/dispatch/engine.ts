import type { Priority, Risk } from '../alarms/model.ts'
import { distanceM, etaMinutes } from './geo.ts'
import type {
  AcceptDecision,
  AlarmForDispatch,
  Candidate,
  CarerState,
  DispatchRules,
  OfferRecord,
  Point,
  RoundDecision,
} from './types.ts'

/**
 * The pure dispatch engine: the contract's dispatch rules as functions of
 * the alarm, the carers and the time. No clock, no store, no broker.
 */

/** contract: a position no older than 10 min, else the carer's base. */
export function effectivePosition(carer: CarerState, now: number, rules: DispatchRules): Point | undefined {
  if (carer.position && now - carer.position.at <= rules.freshPositionMs) return carer.position
  return carer.base
}

/**
 * contract: candidates are on duty, not on another accepted alarm, with a
 * fresh position or a base; ranked by ETA, then fewer alarms today, then id.
 * Those within 3 km shut out those beyond; beyond 10 km never.
 */
export function rankCandidates(
  at: Point,
  carers: Iterable<CarerState>,
  now: number,
  rules: DispatchRules,
  exclude: ReadonlySet<string> = new Set(),
): Candidate[] {
  const near: Candidate[] = []
  const far: Candidate[] = []
  for (const carer of carers) {
    if (carer.duty !== 'on' || carer.busy || exclude.has(carer.id)) continue
    const from = effectivePosition(carer, now, rules)
    if (!from) continue
    const d = distanceM(from, at)
    if (d > rules.farM) continue
    const etaMin = etaMinutes(d, rules.detour, rules.speedsKmh[carer.mode])
    const candidate: Candidate = {
      carerId: carer.id,
      distanceM: d,
      etaMin,
      inCircle: etaMin <= rules.circleMin,
      alarmsToday: carer.alarmsToday,
    }
    ;(d <= rules.nearM ? near : far).push(candidate)
  }
  const ranked = near.length > 0 ? near : far
  return ranked.sort(byRank)
}

function byRank(a: Candidate, b: Candidate): number {
  if (a.inCircle !== b.inCircle) return a.inCircle ? -1 : 1
  return (
    a.etaMin - b.etaMin ||
    a.alarmsToday - b.alarmsToday ||
    (a.carerId < b.carerId ? -1 : a.carerId > b.carerId ? 1 : 0)
  )
}

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
 * What the next round is: offers to the best candidates, or escalation
 * after the last round or when no one can go, or nothing at priority 4.
 */
export function planRound(
  alarm: AlarmForDispatch,
  ranked: readonly Candidate[],
  past: readonly OfferRecord[],
  now: number,
  rules: DispatchRules,
): RoundDecision {
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

/** contract: the first accept wins; the others are withdrawn. */
export function decideAccept(
  alarm: AlarmForDispatch,
  offers: readonly OfferRecord[],
  carerId: string,
  now: number,
): AcceptDecision {
  if (alarm.state === 'resolved' || alarm.state === 'cancelled') return { ok: false, code: 'ALARM_CLOSED' }
  if (alarm.state === 'accepted' || alarm.state === 'arrived')
    return { ok: false, code: 'ALARM_ALREADY_ACCEPTED' }
  const offer = offers.find((o) => o.carerId === carerId)
  if (!offer) return { ok: false, code: 'OFFER_NOT_FOUND' }
  if (offer.status !== 'pending' || now > offer.expiresAt) return { ok: false, code: 'OFFER_EXPIRED' }
  const withdraw = offers.filter((o) => o.status === 'pending' && o.carerId !== carerId).map((o) => o.carerId)
  return { ok: true, withdraw }
}

/** contract: `arrive` records the carer's distance; beyond 200 m (or unknown) it is flagged, but accepted. */
export function arrivalCheck(
  elderAt: Point,
  carerAt: Point | undefined,
  rules: DispatchRules,
): { distanceM?: number; flagged: boolean } {
  if (!carerAt) return { flagged: true }
  const d = Math.round(distanceM(carerAt, elderAt))
  return { distanceM: d, flagged: d > rules.arrivalFlagM }
}
