import { rankCandidates as rank } from '../../../gateway/dispatch/engine.ts'
import { defaultRules } from '../../../gateway/dispatch/types.ts'
import type { Alarm, LiveCarer } from '../shared/model.ts'

export interface Candidate {
  carer: LiveCarer
  distanceM: number
  etaMin: number
}

/**
 * Carers who could go, ranked exactly as the gateway ranks them (its own pure
 * ranking, from gateway/dispatch: the 3 km and 10 km rules, the 15-minute
 * circle, ETA, then fewer alarms today, then id), from the live carers the
 * board already holds — there is no candidates route in the API.
 */
export function rankCandidates(alarm: Alarm, carers: Iterable<LiveCarer>, now: number, max = 8): Candidate[] {
  const byId = new Map<string, LiveCarer>()
  for (const c of carers) byId.set(c.id, c)
  return rank({ lat: alarm.lat, lon: alarm.lon }, byId.values(), now, defaultRules)
    .slice(0, max)
    .flatMap((c) => {
      const carer = byId.get(c.carerId)
      return carer ? [{ carer, distanceM: c.distanceM, etaMin: c.etaMin }] : []
    })
}
