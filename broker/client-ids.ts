interface Binding {
  principal: string
  /** Connections open under this client id now. */
  live: number
  /** The broker keeps a session under this id (the last connection asked for `clean: false`). */
  persistent: boolean
}

/**
 * Which principal each MQTT client id belongs to. Aedes keys a session —
 * subscriptions, queued QoS 1 messages — by client id alone, and a CONNECT
 * with an id in use takes over the connection holding it. So an id belongs
 * to the principal of its live connection, or of the persistent session
 * stored under it, and no one else may use it (security: client-id takeover).
 *
 * Kept in memory for the broker's lifetime, like Aedes' own (in-memory)
 * sessions: both start empty after a restart.
 */
export class ClientIds {
  readonly #bindings = new Map<string, Binding>()

  /** The principal `clientId` belongs to, if any. */
  owner(clientId: string): string | undefined {
    return this.#bindings.get(clientId)?.principal
  }

  /** `principal` connected as `clientId`; `clean: false` leaves a session behind when it goes. */
  claim(clientId: string, principal: string, clean: boolean): void {
    const binding = this.#bindings.get(clientId)
    if (binding && binding.principal !== principal) throw new Error(`client id ${clientId} is taken`)
    // a clean connection ends the stored session (MQTT-3.1.2-6), a persistent one keeps or starts it
    if (binding) {
      binding.live++
      binding.persistent = !clean
    } else this.#bindings.set(clientId, { principal, live: 1, persistent: !clean })
  }

  /** A connection under `clientId` closed: the id is free again unless a session stays. */
  release(clientId: string): void {
    const binding = this.#bindings.get(clientId)
    if (!binding) return
    binding.live--
    if (binding.live <= 0 && !binding.persistent) this.#bindings.delete(clientId)
  }

  get size(): number {
    return this.#bindings.size
  }
}
