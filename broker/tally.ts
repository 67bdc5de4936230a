import type { Clock } from '../kernel/ports/clock.ts'
import type { Scheduler } from '../kernel/ports/scheduler.ts'

export interface TallyRow {
  action: string
  key: string
  /** Refusals this row stands for. */
  count: number
  /** The window's first refusal, and (in the closing row) its end. */
  from: number
  to?: number
  detail: Record<string, unknown>
}

interface Open {
  from: number
  count: number
  detail: Record<string, unknown>
}

/**
 * Refusals anyone can cause at will (wrong secrets, sockets that never log
 * in) are audited per key (an id, an address) and window, not one row
 * each: the first at once, so an attack shows as it starts, and when the
 * window ends one more row with how many followed it. An attacker cannot
 * grow the audit log faster than two rows per key and window.
 */
export class RefusalTally {
  readonly #clock: Clock
  readonly #scheduler: Scheduler
  readonly #windowMs: number
  readonly #write: (row: TallyRow) => void
  readonly #open = new Map<string, Open>()

  constructor(clock: Clock, scheduler: Scheduler, windowMs: number, write: (row: TallyRow) => void) {
    this.#clock = clock
    this.#scheduler = scheduler
    this.#windowMs = windowMs
    this.#write = write
  }

  /** One refusal of `action` for `key`: true when it was written now (the first of its window). */
  note(action: string, key: string, detail: Record<string, unknown>): boolean {
    const id = `${action}\u0000${key}`
    const open = this.#open.get(id)
    if (open) {
      open.count++
      return false
    }
    const now = this.#clock.now()
    this.#open.set(id, { from: now, count: 1, detail })
    this.#write({ action, key, count: 1, from: now, detail })
    this.#scheduler.at(`mqtt-tally:${id}`, now + this.#windowMs, () => this.#close(action, key, id))
    return true
  }

  get open(): number {
    return this.#open.size
  }

  /** Write every window's closing row now (the gateway is stopping). */
  flush(): void {
    for (const id of [...this.#open.keys()]) {
      const [action = '', key = ''] = id.split('\u0000')
      this.#scheduler.cancel(`mqtt-tally:${id}`)
      this.#close(action, key, id)
    }
  }

  #close(action: string, key: string, id: string): void {
    const open = this.#open.get(id)
    this.#open.delete(id)
    if (!open || open.count <= 1) return
    const detail = { ...open.detail, repeated: true }
    this.#write({ action, key, count: open.count - 1, from: open.from, to: this.#clock.now(), detail })
  }
}
