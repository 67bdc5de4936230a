import { distanceM, etaMinutes } from './geo.ts'
import type { Candidate, CarerState, DispatchRules, Point } from './types.ts'

/**
 * The pure ranking: the contract's rules for who may be sent, as functions
 * of the place, the carers and the time. No clock, no store, no broker.
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
