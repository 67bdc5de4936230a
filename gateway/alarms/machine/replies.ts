import type { ReplyPayload } from '../../../kernel/contract/payloads.ts'
import { distanceM } from '../../dispatch/geo.ts'
import type { Point } from '../../dispatch/types.ts'
import { checkAccept } from '../offers.ts'
import { ok, type Result, refuse } from '../result.ts'
import { close } from './close.ts'
import type { Draft } from './draft.ts'
import { afterRoundAnswer } from './rounds.ts'

/** How long past their ETA an assigned carer who has not arrived is reminded (once). */
export const REMINDER_GRACE_MS = 5 * 60_000
/** The ETA assumed for a reminder when none was recorded. */
export const DEFAULT_REMINDER_ETA_MIN = 10

export type Route = { distanceM: number; etaMin: number }

/** A carer's reply (MQTT or HTTP, the same body): accept, decline, arrive, resolve. */
export function reply(d: Draft, carerId: string, r: ReplyPayload): Result<null> {
  switch (r.action) {
    case 'accept':
      return accept(d, carerId)
    case 'decline':
      return decline(d, carerId)
    case 'arrive':
      return arrive(d, carerId, r)
    case 'resolve':
      return resolveByCarer(d, carerId, r)
  }
}

/** contract: the first accept wins; the others get `withdrawn`. */
function accept(d: Draft, carerId: string): Result<null> {
  const a = d.alarm
  const check = checkAccept(a.state, d.offers, carerId, d.now)
  if (!check.ok) {
    d.count('care_replies_refused_total', { code: check.code })
    d.decision.audit.push({
      actor: carerId,
      action: 'dispatch.accept_refused',
      target: a.id,
      detail: { code: check.code },
    })
    return refuse(check.code, `accept refused: ${check.code}`)
  }
  const offer = d.offerOf(carerId)
  const route = offer ? { distanceM: offer.distanceM, etaMin: offer.etaMin } : routeOf(d, carerId)
  d.setOffer(carerId, 'accepted')
  a.state = 'accepted'
  a.carerId = carerId
  a.acceptedAt = d.now
  d.add('accepted', {
    carerId,
    actor: carerId,
    data: { distanceM: Math.round(route.distanceM), etaMin: route.etaMin },
  })
  for (const other of check.withdraw) {
    d.setOffer(other, 'withdrawn')
    d.add('withdrawn', { carerId: other, actor: 'system' })
  }
  d.cancelDeadline('expiry')
  d.span('care_offer_accept_seconds', offer?.offeredAt)
  holderSetOut(d, carerId, route, check.withdraw)
  return ok(null)
}

function decline(d: Draft, carerId: string): Result<null> {
  const offer = d.offerOf(carerId)
  if (!offer) return refuse('OFFER_NOT_FOUND', `${carerId} has no offer of ${d.alarm.id}`)
  if (offer.status !== 'pending' || d.alarm.state !== 'offered') {
    return refuse('OFFER_EXPIRED', `the offer is ${offer.status}`)
  }
  d.setOffer(carerId, 'declined')
  d.add('declined', { carerId, actor: carerId })
  afterRoundAnswer(d, offer.round)
  return ok(null)
}

/** contract: `arrive` records the carer's distance from the elder; beyond 200 m (or unknown) it is flagged, but accepted. */
function arrive(d: Draft, carerId: string, r: ReplyPayload): Result<null> {
  const a = d.alarm
  if (a.carerId !== carerId) return refuse('NOT_ASSIGNED', `${carerId} is not assigned to ${a.id}`)
  if (a.state !== 'accepted') return refuse('INVALID_STATE', `alarm is ${a.state}`)
  const at =
    r.lat !== undefined && r.lon !== undefined ? { lat: r.lat, lon: r.lon } : d.facts.carer(carerId)?.position
  const check = arrivalCheck(a, at, d.facts.rules.arrivalFlagM)
  a.state = 'arrived'
  a.arrivedAt = d.now
  if (check.distanceM !== undefined) a.arrivalDistanceM = check.distanceM
  a.arrivalFlagged = check.flagged
  d.add('arrived', {
    carerId,
    actor: carerId,
    data: { distanceM: check.distanceM ?? null, flagged: check.flagged },
  })
  d.cancelDeadline('reminder')
  d.cancelDeadline('response')
  if (check.flagged) d.count('care_arrivals_flagged_total')
  d.span('care_accept_arrive_seconds', a.acceptedAt)
  d.notify('arrived')
  return ok(null)
}

function resolveByCarer(d: Draft, carerId: string, r: ReplyPayload): Result<null> {
  const a = d.alarm
  if (a.carerId !== carerId) return refuse('NOT_ASSIGNED', `${carerId} is not assigned to ${a.id}`)
  if (a.state !== 'accepted' && a.state !== 'arrived') return refuse('INVALID_STATE', `alarm is ${a.state}`)
  if (!r.outcome) return refuse('OUTCOME_REQUIRED', 'resolve needs an outcome')
  close(d, {
    state: 'resolved',
    actor: carerId,
    byCarer: carerId,
    note: r.note,
    outcome: r.outcome,
    data: { outcome: r.outcome },
  })
  return ok(null)
}

/**
 * The holder sets out (an accept, or the centre's assignment): reminded once past
 * their ETA, busy, counted for today, told it is theirs; the others are withdrawn
 * and the elder hears who is coming.
 */
export function holderSetOut(d: Draft, carerId: string, route: Route, withdrawn: readonly string[]): void {
  const a = d.alarm
  d.armReminder(carerId, (a.acceptedAt ?? d.now) + route.etaMin * 60_000 + REMINDER_GRACE_MS)
  d.busy(carerId)
  d.accepted(carerId)
  d.task('assigned', carerId, route)
  for (const other of withdrawn) d.task('withdrawn', other, d.offerOf(other) ?? { distanceM: 0, etaMin: 0 })
  const carer = d.facts.carer(carerId)
  d.notify('assigned', {
    carer: { name: carer?.name ?? '', phone: carer?.phone ?? '' },
    etaMin: route.etaMin,
  })
}

/** Distance and ETA of a carer to the alarm now (an assignment without an offer). */
export function routeOf(d: Draft, carerId: string): Route {
  const a = d.alarm
  const c = d.facts.candidates({ lat: a.lat, lon: a.lon }, new Set()).find((x) => x.carerId === carerId)
  return c ? { distanceM: c.distanceM, etaMin: c.etaMin } : { distanceM: 0, etaMin: 0 }
}

/** contract: `arrive` records the carer's distance; beyond 200 m (or unknown) it is flagged, but accepted. */
export function arrivalCheck(
  elderAt: Point,
  carerAt: Point | undefined,
  flagM: number,
): { distanceM?: number; flagged: boolean } {
  if (!carerAt) return { flagged: true }
  const dM = Math.round(distanceM(carerAt, elderAt))
  return { distanceM: dM, flagged: dM > flagM }
}
