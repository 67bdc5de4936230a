import type { Outcome as AlarmOutcome } from '../../../kernel/contract/payloads.ts'
import { openStates, type Rating } from '../model.ts'
import { ok, type Result, refuse } from '../result.ts'
import { close } from './close.ts'
import type { Draft } from './draft.ts'
import { holderSetOut, routeOf } from './replies.ts'

/** What the dispatch centre (or the hotline, or a flow acting for it) does to an alarm. */

/** Give the alarm to a carer at once (`accepted`), or to another one (`reassigned`); open offers are withdrawn. */
export function assign(d: Draft, carerId: string, actor: string): Result<null> {
  const a = d.alarm
  if (!openStates.has(a.state) || a.state === 'arrived') return refuse('INVALID_STATE', `alarm is ${a.state}`)
  const carer = d.facts.carer(carerId)
  if (!carer) return refuse('CARER_NOT_FOUND', `no carer ${carerId}`)
  if (carer.busy && a.carerId !== carerId) return refuse('CARER_BUSY', `${carerId} is on another alarm`)
  const previous = a.carerId
  if (previous === carerId) return ok(null)
  const route = routeOf(d, carerId)
  // the carer being assigned keeps their offer (now accepted); everyone else's is withdrawn
  const gone: string[] = []
  for (const o of d.pending(carerId)) {
    d.setOffer(o.carerId, 'withdrawn')
    d.add('withdrawn', { carerId: o.carerId, actor })
    gone.push(o.carerId)
  }
  if (d.pending().some((o) => o.carerId === carerId)) d.setOffer(carerId, 'accepted')
  if (previous) {
    d.add('withdrawn', { carerId: previous, actor })
    gone.push(previous)
  }
  a.state = 'accepted'
  a.carerId = carerId
  a.acceptedAt = d.now
  d.add(previous ? 'reassigned' : 'accepted', {
    carerId,
    actor,
    data: {
      distanceM: Math.round(route.distanceM),
      etaMin: route.etaMin,
      ...(previous ? { from: previous } : {}),
    },
  })
  d.cancelDeadline('expiry')
  if (previous) d.free(previous)
  holderSetOut(d, carerId, route, gone)
  return ok(null)
}

/** The centre flags an alarm as escalated by hand. */
export function escalate(d: Draft, actor: string, note?: string): Result<null> {
  const a = d.alarm
  if (!openStates.has(a.state)) return refuse('ALARM_CLOSED', `alarm is ${a.state}`)
  if (a.escalated) return ok(null)
  a.escalated = true
  d.add('escalated', { actor, note, data: { reason: 'manual' } })
  d.count('care_alarms_escalated_total', { reason: 'manual' })
  return ok(null)
}

/** The centre resolves, with an outcome. */
export function resolve(
  d: Draft,
  actor: string,
  outcome: AlarmOutcome | undefined,
  note?: string,
): Result<null> {
  const a = d.alarm
  if (!openStates.has(a.state)) return refuse('ALARM_CLOSED', `alarm is ${a.state}`)
  if (!outcome) return refuse('OUTCOME_REQUIRED', 'resolve needs an outcome')
  close(d, { state: 'resolved', actor, note, outcome, data: { outcome } })
  return ok(null)
}

/** The centre cancels (e.g. a call-back found a false press). */
export function cancel(d: Draft, actor: string, note?: string): Result<null> {
  const a = d.alarm
  if (!openStates.has(a.state)) return refuse('ALARM_CLOSED', `alarm is ${a.state}`)
  close(d, { state: 'cancelled', actor, note, data: {} })
  return ok(null)
}

export function note(d: Draft, actor: string, text: string): Result<null> {
  d.add('note', { actor, note: text })
  return ok(null)
}

/**
 * A rating from the elder, the family or a call-back, on the timeline as `rated`. Only a
 * closed alarm can be rated: the service it rates is over. Several ratings may be given.
 */
export function rate(d: Draft, actor: string, rating: Rating): Result<null> {
  const a = d.alarm
  if (openStates.has(a.state)) return refuse('INVALID_STATE', `alarm is ${a.state}: rate it once closed`)
  d.add('rated', { actor, note: rating.note, data: { score: rating.score, by: rating.by } })
  return ok(null)
}
