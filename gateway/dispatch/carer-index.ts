import RBush from 'rbush'
import { rankCandidates } from './engine.ts'
import { degreeSpan } from './geo.ts'
import type { Candidate, CarerState, DispatchRules, Point } from './types.ts'

interface Entry {
  minX: number
  minY: number
  maxX: number
  maxY: number
  id: string
}

/**
 * A spatial index of the carers who may be sent: an R-tree holding each
 * carer's last position and base, so a query for "who is within 10 km"
 * touches a handful of nodes instead of every carer. Freshness is judged
 * later by the engine, which is why both points are indexed.
 */
export class CarerIndex {
  readonly #tree = new RBush<Entry>()
  readonly #entries = new Map<string, Entry[]>()

  get size(): number {
    return this.#entries.size
  }

  upsert(id: string, position?: Point, base?: Point): void {
    this.remove(id)
    const entries: Entry[] = []
    for (const p of [position, base]) {
      if (p) entries.push({ minX: p.lon, minY: p.lat, maxX: p.lon, maxY: p.lat, id })
    }
    if (entries.length === 0) return
    for (const e of entries) this.#tree.insert(e)
    this.#entries.set(id, entries)
  }

  remove(id: string): void {
    const entries = this.#entries.get(id)
    if (!entries) return
    for (const e of entries) this.#tree.remove(e)
    this.#entries.delete(id)
  }

  /** Ids with a point inside the bounding box of the circle (a superset of the circle). */
  near(at: Point, radiusM: number): Set<string> {
    const { dLat, dLon } = degreeSpan(at.lat, radiusM)
    const hits = this.#tree.search({
      minX: at.lon - dLon,
      minY: at.lat - dLat,
      maxX: at.lon + dLon,
      maxY: at.lat + dLat,
    })
    return new Set(hits.map((e) => e.id))
  }
}

/**
 * Ranked candidates through the index (contract: dispatch rules). Anyone
 * eligible within 3 km shuts out those beyond, so the small circle is
 * searched first and the 10 km one only when it holds no one.
 */
export function nearestCandidates(
  index: CarerIndex,
  carerOf: (id: string) => CarerState | undefined,
  at: Point,
  now: number,
  rules: DispatchRules,
  exclude: ReadonlySet<string>,
): Candidate[] {
  const rank = (ids: Iterable<string>) => {
    const states: CarerState[] = []
    for (const id of ids) {
      const carer = carerOf(id)
      if (carer) states.push(carer)
    }
    return rankCandidates(at, states, now, rules, exclude)
  }
  const close = rank(index.near(at, rules.nearM))
  if (close[0] && close[0].distanceM <= rules.nearM) return close
  return rank(index.near(at, rules.farM))
}
