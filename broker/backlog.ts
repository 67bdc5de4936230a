/** A publish held back over the rate: `pass` stores it and lets Aedes acknowledge it; `refuse` closes. */
export interface Held {
  pass(): void
  refuse(error: Error): void
}

/**
 * One connection's publishes held back for the rate, oldest first. Aedes
 * answers a QoS 1 PUBLISH only when `authorizePublish` calls back, and reads
 * nothing more from the socket until every packet of the chunk it is
 * handling has been answered: holding the callback is backpressure that
 * keeps the device's order and fills its in-flight window.
 */
export class Backlog {
  #items: Held[] = []

  get size(): number {
    return this.#items.length
  }

  push(item: Held): void {
    this.#items.push(item)
  }

  /** Let through, in order, as many as `take` grants; true when some still wait. */
  release(take: () => boolean): boolean {
    let n = 0
    while (n < this.#items.length && take()) n++
    const out = this.#items.slice(0, n)
    this.#items = this.#items.slice(n)
    for (const item of out) item.pass()
    return this.#items.length > 0
  }

  /** Refuse the oldest, which closes the connection, and forget the rest: none was acknowledged. */
  abort(error: Error): void {
    const oldest = this.#items[0]
    this.#items = []
    oldest?.refuse(error)
  }

  /** The connection is gone: forget what waited, unacknowledged; the device sends it again. */
  clear(): void {
    this.#items = []
  }
}
