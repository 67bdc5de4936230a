import type { TrackMessage } from '../../kernel/contract/payloads.ts'
import type { Alarm } from '../alarms/model.ts'
import { openStates } from '../alarms/model.ts'

/** Where a followed elder's fixes go: the live stream (board, the holder's page) and the holder's phone. */
export interface FollowOut {
  live(fix: TrackMessage, grid: readonly string[], carerId: string | undefined): void
  carer(carerId: string, fix: TrackMessage): void
}

interface Followed {
  alarmId: string
  carerId: string | undefined
}

/**
 * Following a wandering elder (防走失): while an elder's `fence_exit` alarm is open, every new fix of
 * theirs goes out as it arrives — to the board and to whoever holds the alarm — so the search follows
 * the elder, not the point where they left the fence. Kept from the alarm feed; a fix of an elder not
 * followed costs one map look-up on the telemetry path.
 */
export class Follow {
  readonly #out: FollowOut
  readonly #byElder = new Map<string, Followed>()

  constructor(out: FollowOut) {
    this.#out = out
  }

  /** An alarm changed (the feed), or was found open at start. */
  alarm(alarm: Readonly<Alarm>): void {
    if (alarm.kind !== 'fence_exit') return
    const known = this.#byElder.get(alarm.elderId)
    if (!openStates.has(alarm.state)) {
      if (known?.alarmId === alarm.id) this.#byElder.delete(alarm.elderId)
      return
    }
    this.#byElder.set(alarm.elderId, { alarmId: alarm.id, carerId: alarm.carerId })
  }

  /** Whether the elder's fixes are being followed now. */
  following(elderId: string): string | undefined {
    return this.#byElder.get(elderId)?.alarmId
  }

  /** A fix of the elder's device, fresh (a backlog sent after an outage is not followed). */
  fix(elderId: string, grid: readonly string[], fix: Omit<TrackMessage, 'alarmId' | 'elderId'>): void {
    const followed = this.#byElder.get(elderId)
    if (!followed) return
    const message: TrackMessage = { alarmId: followed.alarmId, elderId, ...fix }
    this.#out.live(message, grid, followed.carerId)
    if (followed.carerId) this.#out.carer(followed.carerId, message)
  }
}
