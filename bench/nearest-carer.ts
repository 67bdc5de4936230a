import { performance } from 'node:perf_hooks'
import { CarerIndex, nearestCandidates } from '../gateway/dispatch/carer-index.ts'
import { rankCandidates } from '../gateway/dispatch/engine.ts'
import { type Candidate, type CarerState, defaultRules, type Point } from '../gateway/dispatch/types.ts'
import { between, pick, seededRandom } from './lib/prng.ts'

/**
 * Nearest carer (DESIGN: performance targets): the time of one dispatch
 * query through the spatial index (nearestCandidates: 3 km first, then
 * 10 km, as CarerBook.candidates does) against rankCandidates over every
 * carer, for 1,000 / 10,000 / 100,000 seeded carers in a county around
 * Binzhou. Prints one JSON line.
 */

const CENTRE: Point = { lat: 37.38, lon: 117.97 }
/** A county: 40 km × 40 km. */
const HALF_SIDE_M = 20_000
const M_PER_DEG_LAT = 111_195
const NOW = Date.UTC(2025, 2, 3, 9, 0, 0)
const MIN = 60_000
const SIZES = [1_000, 10_000, 100_000]
const QUERIES = 2_000
const WARMUP = 200
/** Each way is timed over QUERIES queries, or fewer (never under MIN_QUERIES) once this is spent. */
const BUDGET_MS = 4_000
const MIN_QUERIES = 50
/** Agreement is checked on up to 2,000 queries, fewer for big counts: about 5 million carer visits. */
const CHECK_CARER_VISITS = 5_000_000
const rules = defaultRules

interface Setup {
  carers: CarerState[]
  byId: Map<string, CarerState>
  index: CarerIndex
  queries: Point[]
}

interface Result {
  carers: number
  indexUs: number
  bruteUs: number
  speedup: number
  meanHits: number
  indexQueries: number
  bruteQueries: number
  checked: number
  sameTop: boolean
}

function pointInCounty(random: () => number): Point {
  const dLat = HALF_SIDE_M / M_PER_DEG_LAT
  const dLon = dLat / Math.cos((CENTRE.lat * Math.PI) / 180)
  return {
    lat: between(random, CENTRE.lat - dLat, CENTRE.lat + dLat),
    lon: between(random, CENTRE.lon - dLon, CENTRE.lon + dLon),
  }
}

/** Some carers on duty, some busy, some with a stale position, a few with no base. */
function aCarer(random: () => number, i: number): CarerState {
  const carer: CarerState = {
    id: `c${String(i).padStart(6, '0')}`,
    mode: pick(random, ['walk', 'bike', 'ebike', 'car']),
    duty: random() < 0.85 ? 'on' : 'off',
    busy: random() < 0.1,
    alarmsToday: Math.floor(random() * 4),
  }
  if (random() < 0.8) carer.position = { ...pointInCounty(random), at: NOW - between(random, 0, 30) * MIN }
  if (random() < 0.85) carer.base = pointInCounty(random)
  return carer
}

function setUp(size: number): Setup {
  const random = seededRandom(0x5eed + size)
  const carers = Array.from({ length: size }, (_, i) => aCarer(random, i))
  const byId = new Map(carers.map((c) => [c.id, c]))
  const index = new CarerIndex()
  // as CarerBook does: only carers on duty are in the index
  for (const c of carers) if (c.duty === 'on') index.upsert(c.id, c.position, c.base)
  const queries = Array.from({ length: QUERIES }, () => pointInCounty(random))
  return { carers, byId, index, queries }
}

function viaIndex(setup: Setup, at: Point): Candidate[] {
  return nearestCandidates(setup.index, (id) => setup.byId.get(id), at, NOW, rules, NO_ONE)
}

const NO_ONE: ReadonlySet<string> = new Set()

function bruteForce(setup: Setup, at: Point): Candidate[] {
  return rankCandidates(at, setup.carers, NOW, rules)
}

/** Microseconds per query after a warm-up; the sink keeps the work from being optimised away. */
function timePerQuery(
  setup: Setup,
  query: (s: Setup, at: Point) => Candidate[],
): { us: number; queries: number } {
  let sink = 0
  const warmUntil = performance.now() + BUDGET_MS / 10
  for (let i = 0; i < WARMUP && performance.now() < warmUntil; i++) {
    sink += query(setup, setup.queries[i] ?? CENTRE).length
  }
  const start = performance.now()
  let n = 0
  while (n < QUERIES && (n < MIN_QUERIES || performance.now() - start < BUDGET_MS)) {
    sink += query(setup, setup.queries[n] ?? CENTRE).length
    n++
  }
  const elapsedMs = performance.now() - start
  if (sink < 0) throw new Error('unreachable')
  return { us: (elapsedMs * 1000) / n, queries: n }
}

/** Both ways must pick the same carer first (and the same list): the index is only a shortcut. */
function disagreements(setup: Setup, count: number): number {
  let bad = 0
  for (const at of setup.queries.slice(0, count)) {
    const a = viaIndex(setup, at).map((c) => c.carerId)
    const b = bruteForce(setup, at).map((c) => c.carerId)
    if (a[0] !== b[0] || a.join() !== b.join()) {
      bad++
      console.error(`nearest-carer: index and brute force differ at ${at.lat},${at.lon}: ${a[0]} vs ${b[0]}`)
    }
  }
  return bad
}

/** How many carers the 3 km search hands to rankCandidates, on average. */
function meanHits(setup: Setup, count: number): number {
  let hits = 0
  for (const at of setup.queries.slice(0, count)) hits += setup.index.near(at, rules.nearM).size
  return hits / count
}

function run(size: number): Result {
  const setup = setUp(size)
  const indexed = timePerQuery(setup, viaIndex)
  const brute = timePerQuery(setup, bruteForce)
  const checked = Math.min(QUERIES, Math.round(CHECK_CARER_VISITS / size))
  return {
    carers: size,
    indexUs: round(indexed.us, 2),
    bruteUs: round(brute.us, 2),
    speedup: round(brute.us / indexed.us, 2),
    meanHits: Math.round(meanHits(setup, checked)),
    indexQueries: indexed.queries,
    bruteQueries: brute.queries,
    checked,
    sameTop: disagreements(setup, checked) === 0,
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

const results = SIZES.map(run)
process.stdout.write(`${JSON.stringify({ bench: 'nearest-carer', node: process.version, results })}\n`)
if (results.some((r) => !r.sameTop)) process.exitCode = 1
