import type { Scheduler, Task } from '../../kernel/ports/scheduler.ts'
import { type Lanes, laneOf } from './lanes.ts'

/**
 * The scheduler the domains arm their deadlines on in cluster mode (docs/cluster.md, "Deadlines"):
 * a deadline is kept only on the node holding the lane of its subject — the id after the key's
 * first `:` (an alarm, a visit, a carer) — so it fires on one node. Armed or cancelled anywhere
 * else, the holder is asked to work that subject's deadlines out again from the store (`moved`),
 * which it does with the same code that rebuilds them at start.
 */
export class OwnedScheduler implements Scheduler {
  readonly #inner: Scheduler
  readonly #lanes: Lanes
  readonly #moved: (key: string) => void

  constructor(inner: Scheduler, lanes: Lanes, moved: (key: string) => void) {
    this.#inner = inner
    this.#lanes = lanes
    this.#moved = moved
  }

  at(key: string, dueAt: number, fn: Task): void {
    const lane = laneOf(subjectOf(key))
    if (!this.#lanes.holds(lane)) {
      this.#inner.cancel(key)
      return this.#moved(key)
    }
    // the lane may have moved on by then: its new holder fires it, from the store
    this.#inner.at(key, dueAt, () => (this.#lanes.holds(lane) ? fn() : undefined))
  }

  cancel(key: string): void {
    this.#inner.cancel(key)
    if (!this.#lanes.holds(laneOf(subjectOf(key)))) this.#moved(key)
  }

  dueAt(key: string): number | undefined {
    return this.#inner.dueAt(key)
  }

  size(): number {
    return this.#inner.size()
  }
}

/** `offer:A1` → `A1`; a key without a subject is its own. */
export function subjectOf(key: string): string {
  const colon = key.indexOf(':')
  return colon < 0 ? key : key.slice(colon + 1)
}

/** `offer:A1` → `offer`. */
export function kindOf(key: string): string {
  const colon = key.indexOf(':')
  return colon < 0 ? key : key.slice(0, colon)
}
