import type { Clock } from '../../kernel/ports/clock.ts'
import type { Scheduler } from '../../kernel/ports/scheduler.ts'

export interface SilenceWatchDeps {
  scheduler: Scheduler
  clock: Clock
  /** Called once when a device's deadline passes with nothing heard; a promise it returns is the deadline's work. */
  onSilent: (deviceId: string, lastSeenAt: number) => void | Promise<void>
  /** contract: silent for 3 × its expected interval. */
  factor?: number
  /**
   * Cluster mode: when the store last heard the device. The node watching a device is seldom the
   * one it talks to, so before calling it silent the watch asks the store (which every node's
   * telemetry batches keep current).
   */
  lastHeard?: (deviceId: string) => Promise<number | undefined>
}

/**
 * One deadline per device: a device that stays silent past `factor` × its
 * interval is reported once, and again only after it has been heard from.
 * No periodic sweep over all devices. A message only notes the time heard
 * (a map write); the deadline in the scheduler moves when it comes due and
 * finds the device heard from since, so 5,000 messages a second do not leave
 * 5,000 superseded deadlines a second in the scheduler's heap.
 */
export class SilenceWatch {
  readonly #d: SilenceWatchDeps
  readonly #factor: number
  /** Last time heard and the interval then, per device with a deadline armed. */
  readonly #heard = new Map<string, { at: number; intervalS: number }>()

  constructor(deps: SilenceWatchDeps) {
    this.#d = deps
    this.#factor = deps.factor ?? 3
  }

  seen(deviceId: string, intervalS: number, at: number): void {
    const heard = { at, intervalS }
    this.#heard.set(deviceId, heard)
    const due = this.#deadline(heard)
    const armed = this.#d.scheduler.dueAt(key(deviceId))
    // a later deadline waits for the armed one to come due; an earlier one (a shorter interval) is armed now
    if (armed === undefined || due < armed) this.#arm(deviceId, due)
  }

  /** At start: re-arm from the last time the store heard the device (a deadline already past fires at once). */
  restore(deviceId: string, intervalS: number, lastSeenAt: number): void {
    this.seen(deviceId, intervalS, lastSeenAt)
  }

  /** Cluster mode: watch the device from the time the store last heard it (or `since`, never heard). */
  async rearm(deviceId: string, intervalS: number, since: number): Promise<void> {
    const heard = (await this.#d.lastHeard?.(deviceId)) ?? since
    this.seen(deviceId, intervalS, Math.max(heard, this.#heard.get(deviceId)?.at ?? heard))
  }

  forget(deviceId: string): void {
    this.#heard.delete(deviceId)
    this.#d.scheduler.cancel(key(deviceId))
  }

  /** When the device counts as silent if nothing more is heard; undefined once reported. */
  dueAt(deviceId: string): number | undefined {
    const heard = this.#heard.get(deviceId)
    return heard ? this.#deadline(heard) : undefined
  }

  #deadline(heard: { at: number; intervalS: number }): number {
    return heard.at + this.#factor * heard.intervalS * 1000
  }

  #arm(deviceId: string, due: number): void {
    this.#d.scheduler.at(key(deviceId), due, () => this.#due(deviceId))
  }

  #due(deviceId: string): void | Promise<void> {
    const heard = this.#heard.get(deviceId)
    if (!heard) return
    if (this.#d.lastHeard) return this.#dueAsked(deviceId, heard, this.#d.lastHeard)
    return this.#check(deviceId, heard)
  }

  async #dueAsked(
    deviceId: string,
    heard: { at: number; intervalS: number },
    lastHeard: (deviceId: string) => Promise<number | undefined>,
  ): Promise<void> {
    const stored = await lastHeard(deviceId)
    if (this.#heard.get(deviceId) !== heard) return // forgotten or heard here meanwhile: re-armed then
    if (stored !== undefined && stored > heard.at) heard.at = stored
    await this.#check(deviceId, heard)
  }

  #check(deviceId: string, heard: { at: number; intervalS: number }): void | Promise<void> {
    const due = this.#deadline(heard)
    if (due > this.#d.clock.now()) return this.#arm(deviceId, due)
    this.#heard.delete(deviceId)
    return this.#d.onSilent(deviceId, heard.at)
  }
}

function key(deviceId: string): string {
  return `silence:${deviceId}`
}
