import { dateTime } from '../shared/format.ts'
import type { LiveMessage } from '../shared/model.ts'
import { aw } from './accounts-words.ts'

/**
 * The gateway's "now", as the live stream tells it (every message carries the gateway's `at`): ages
 * shown in the console ("fix 3 min ago") follow the gateway's clock, not this computer's.
 */
export class GatewayClock {
  #skewMs = 0

  heard(message: LiveMessage): void {
    this.#skewMs = message.at - Date.now()
  }

  now(): number {
    return Date.now() + this.#skewMs
  }
}

/** How long ago: 45秒前, 12分钟前, 3小时前, 2天前. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const age =
    s < 60
      ? aw('seconds', { n: s })
      : s < 3600
        ? aw('minutesAgo', { n: Math.floor(s / 60) })
        : s < 86_400
          ? aw('hours', { n: Math.floor(s / 3600) })
          : aw('days', { n: Math.floor(s / 86_400) })
  return aw('ago', { age })
}

/** A date and time in the page's language, or "never". */
export function when(ms: number | undefined): string {
  return ms === undefined ? aw('never') : dateTime(ms)
}
