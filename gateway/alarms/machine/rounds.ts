import { planRound, roundClosed } from '../offers.ts'
import type { Draft } from './draft.ts'

/**
 * contract: the next offer round — the best carers not yet asked, in
 * parallel at priority 1 and one at a time below — or escalation to the
 * centre after three rounds or when no one can go; priority 4 is held.
 */
export function nextRound(d: Draft): void {
  const a = d.alarm
  if (a.state !== 'open' && a.state !== 'offered') return
  const { now, rules, elder } = d.facts
  const exclude = new Set(d.offers.map((o) => o.carerId))
  const ranked = d.facts.candidates({ lat: a.lat, lon: a.lon }, exclude)
  const plan = planRound(
    { priority: a.priority, risk: elder?.risk ?? 'medium', round: a.round },
    ranked,
    d.offers,
    now,
    rules,
  )
  switch (plan.type) {
    case 'hold':
      return
    case 'escalate': {
      if (a.escalated && a.state === 'open') return
      a.state = 'open'
      if (a.escalated) return d.save()
      a.escalated = true
      d.add('escalated', { actor: 'system', data: { reason: plan.reason, round: a.round } })
      d.count('care_alarms_escalated_total', { reason: plan.reason })
      return
    }
    case 'offer': {
      if (a.round === 0) d.span('care_alarm_first_offer_seconds', a.raisedAt)
      a.round = plan.round
      a.state = 'offered'
      for (const c of plan.offers) {
        d.offerTo({
          carerId: c.carerId,
          round: plan.round,
          status: 'pending',
          offeredAt: now,
          expiresAt: plan.expiresAt,
          distanceM: c.distanceM,
          etaMin: c.etaMin,
        })
        d.add('offered', {
          carerId: c.carerId,
          actor: 'system',
          data: {
            round: plan.round,
            distanceM: Math.round(c.distanceM),
            etaMin: c.etaMin,
            expiresAt: plan.expiresAt,
          },
        })
      }
      d.armExpiry(plan.round, plan.expiresAt)
      for (const c of plan.offers) {
        d.task('offer', c.carerId, { distanceM: c.distanceM, etaMin: c.etaMin, expiresAt: plan.expiresAt })
      }
      d.count('care_offers_total', { priority: String(a.priority) }, plan.offers.length)
      return
    }
  }
}

/** contract: an offer lapses at its deadline (60 s, 30 s for high risk; 120 s below priority 1), then the next round. */
export function lapse(d: Draft, round: number): void {
  const a = d.alarm
  if (a.state !== 'offered' || a.round !== round) return
  const lapsed = d.pending().filter((o) => o.round === round && o.expiresAt <= d.now)
  if (lapsed.length === 0) return
  for (const o of lapsed) {
    d.setOffer(o.carerId, 'expired')
    d.add('offer_expired', { carerId: o.carerId, actor: 'system', data: { round } })
  }
  for (const o of lapsed) d.task('withdrawn', o.carerId, o)
  d.count('care_offers_expired_total', undefined, lapsed.length)
  if (roundClosed(round, d.offers)) nextRound(d)
}

/** The round of this carer's offer closed without anyone taking the alarm: the next one starts now. */
export function afterRoundAnswer(d: Draft, round: number): void {
  if (!roundClosed(round, d.offers)) return
  d.cancelDeadline('expiry')
  nextRound(d)
}
