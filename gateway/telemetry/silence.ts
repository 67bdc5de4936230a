import type { Clock } from '../ports/clock.ts'
import type { Scheduler } from '../ports/scheduler.ts'

export interface SilenceWatchDeps {
  scheduler: Scheduler
  clock: Clock
  /** Called once when a device's deadline passes with nothing heard. */
  onSilent: (deviceId: string, lastSeenAt: number) => void
  /** contract: silent for 3 × its expected interval. */
  factor?: number
}

/**
 * One deadline per device, moved forward by every message: a device that
 * stays silent past `factor` × its interval is reported once, and again
 * only after it has been heard from. No periodic sweep over all devices.
 */
export class SilenceWatch {
  readonly #d: SilenceWatchDeps
  readonly #factor: number

  constructor(deps: SilenceWatchDeps) {
    this.#d = deps
    this.#factor = deps.factor ?? 3
  }

  seen(deviceId: string, intervalS: number, at: number): void {
    const deadline = at + this.#factor * intervalS * 1000
    this.#d.scheduler.at(key(deviceId), deadline, () => this.#d.onSilent(deviceId, at))
  }

  /** At start: re-arm from the last time the store heard the device (a deadline already past fires at once). */
  restore(deviceId: string, intervalS: number, lastSeenAt: number): void {
    this.seen(deviceId, intervalS, lastSeenAt)
  }

  forget(deviceId: string): void {
    this.#d.scheduler.cancel(key(deviceId))
  }

  dueAt(deviceId: string): number | undefined {
    return this.#d.scheduler.dueAt(key(deviceId))
  }
}

function key(deviceId: string): string {
  return `silence:${deviceId}`
}
