/** Wall-clock time in epoch milliseconds. Domain code asks this, never `Date.now()`. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock that only moves when a test moves it. */
export class ManualClock implements Clock {
  #now: number

  constructor(start = Date.UTC(2026, 0, 5, 8, 0, 0)) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  set(ms: number): void {
    this.#now = ms
  }
}
