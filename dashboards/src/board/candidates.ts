import { distanceM, etaMin } from '../shared/geo.ts'
import type { Alarm, LiveCarer } from '../shared/model.ts'

export interface Candidate {
  carer: LiveCarer
  distanceM: number
  etaMin: number
}

/** contract: a position older than 10 min does not count; nobody beyond 10 km. */
const FRESH_MS = 10 * 60_000
const FARTHEST_M = 10_000

/**
 * Carers who could go, nearest by ETA first (contract's rule: distance ×
 * 1.3 ÷ speed of their mode), worked out from the live carers the board
 * already holds — there is no candidates route in the API.
 */
export function rankCandidates(alarm: Alarm, carers: Iterable<LiveCarer>, now: number, max = 8): Candidate[] {
  const out: Candidate[] = []
  for (const carer of carers) {
    if (carer.duty !== 'on' || carer.busy || !carer.position) continue
    if (now - carer.position.at > FRESH_MS) continue
    const d = distanceM(alarm, carer.position)
    if (d > FARTHEST_M) continue
    out.push({ carer, distanceM: d, etaMin: etaMin(d, carer.mode) })
  }
  out.sort((a, b) => a.etaMin - b.etaMin || a.carer.id.localeCompare(b.carer.id))
  return out.slice(0, max)
}
