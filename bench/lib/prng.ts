/**
 * A tiny seeded PRNG (mulberry32): the same seed gives the same carers and
 * queries on every run, so benchmark numbers compare like with like.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** A uniform number in [min, max). */
export function between(random: () => number, min: number, max: number): number {
  return min + (max - min) * random()
}

/** One element of a non-empty list, uniformly. */
export function pick<T>(random: () => number, items: readonly [T, ...T[]]): T {
  return items[Math.floor(random() * items.length)] ?? items[0]
}
