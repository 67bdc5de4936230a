/**
 * Runs tasks one at a time per key, in the order they came, and lets tasks
 * of different keys run side by side. The alarm wing keys by elder: two
 * events of one elder's alarms (a second press, an accept, an expiry) never
 * interleave between their read and their commit.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>()

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve()
    const result = before.then(task, task)
    const tail = result.then(
      () => undefined,
      () => undefined,
    )
    this.#tails.set(key, tail)
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    })
    return result
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.#tails.size
  }
}
