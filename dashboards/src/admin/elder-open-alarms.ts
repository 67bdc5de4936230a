import type { Alarm, LiveMessage } from '../shared/model.ts'
import { openStates } from '../shared/model.ts'

interface Known {
  elderId: string
  open: boolean
  /** The alarm's own sequence (its last timeline entry): a later one always wins. */
  seq: number
  /** Which live event last set it (0: a snapshot or the fetch). */
  touched: number
}

/**
 * How many open alarms each elder has, for the list: the open alarms fetched when the list opens,
 * then the live stream. The console hands a section its last snapshot when it is shown, which can
 * be older than the events it did not keep since; so a replayed snapshot only adds, and the fetch
 * then drops what it no longer holds, unless a live event has spoken of that alarm meanwhile.
 */
export class OpenAlarms {
  readonly #known = new Map<string, Known>()
  #events = 0

  /** A live message; `replay` when it is the console's remembered snapshot, not a fresh one. */
  hear(message: LiveMessage, replay: boolean): boolean {
    switch (message.type) {
      case 'snapshot':
        // a fresh snapshot (after a reconnect the gateway could not resume) is the state now
        if (!replay) this.#known.clear()
        for (const a of message.alarms) this.#merge(a, 0)
        return true
      case 'alarm':
        this.#events++
        return this.#merge(message.alarm, this.#events)
      case 'carer':
      case 'device':
      case 'track':
        return false
    }
  }

  /** Call before fetching the open alarms; hand what it returns to `fetched` with the answer. */
  mark(): number {
    return this.#events
  }

  /** The open alarms as the gateway answered them, asked for at `mark`. */
  fetched(alarms: readonly Alarm[], mark: number): void {
    const answered = new Set(alarms.map((a) => a.id))
    for (const [id, k] of this.#known) {
      if (k.open && !answered.has(id) && k.touched <= mark) this.#known.delete(id)
    }
    for (const a of alarms) {
      const k = this.#known.get(a.id)
      if (k && k.touched > mark && k.seq >= a.seq) continue
      this.#merge(a, 0)
    }
  }

  /** Open alarms per elder id. */
  perElder(): Map<string, number> {
    const counts = new Map<string, number>()
    for (const k of this.#known.values()) {
      if (k.open) counts.set(k.elderId, (counts.get(k.elderId) ?? 0) + 1)
    }
    return counts
  }

  #merge(a: Alarm, touched: number): boolean {
    const k = this.#known.get(a.id)
    if (k && k.seq > a.seq) return false
    this.#known.set(a.id, { elderId: a.elderId, open: openStates.has(a.state), seq: a.seq, touched })
    return true
  }
}
