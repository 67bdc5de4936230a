import type { Logger } from '../../kernel/observe/log.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Scheduler } from '../../kernel/ports/scheduler.ts'
import { CarerIndex, nearestCandidates } from '../dispatch/carer-index.ts'
import type { Candidate, CarerState, DispatchRules, Point } from '../dispatch/types.ts'
import type { Carer } from '../registry/schemas.ts'
import type { CarerLiveState, CarerStateRepository } from './ports.ts'

/** contract: a carer silent for 12 h goes off duty. */
export const CARER_SILENCE_MS = 12 * 3_600_000

export interface CarerProfile extends CarerState {
  name: string
  phone: string
  lastSeenAt?: number
}

export interface CarerBookDeps {
  repo: CarerStateRepository
  clock: Clock
  log: Logger
  scheduler: Scheduler
  rules: DispatchRules
  /** Told when a carer's duty or position changes (the live board, history). */
  onChange?: (carer: CarerProfile, what: 'duty' | 'position') => void
  /** Cluster mode: each change made on this node, for the other nodes' books (`mirror`). */
  share?: (update: CarerUpdate) => void
}

/** A change of one carer's live state, as one node tells the others (cluster mode). */
export interface CarerUpdate {
  id: string
  duty?: 'on' | 'off'
  position?: { lat: number; lon: number; at: number }
  lastSeenAt?: number
  busy?: boolean
  /** An alarm accepted at this time (today's count goes up by one). */
  acceptedAt?: number
}

/**
 * Who can be sent: every carer's duty, position, base and load, in memory
 * beside a spatial index, written through to the store so duty and
 * positions survive a restart. A dropped connection changes nothing here
 * (contract: phones lose signal).
 */
export class CarerBook {
  readonly #deps: CarerBookDeps
  readonly #carers = new Map<string, CarerProfile>()
  readonly #index = new CarerIndex()
  #dayStart = 0

  constructor(deps: CarerBookDeps) {
    this.#deps = deps
  }

  /** Rebuild from the store: profiles, duty, positions, who is busy, today's counts, silence deadlines. */
  load(
    carers: readonly Carer[],
    states: readonly CarerLiveState[],
    busy: ReadonlyMap<string, string>,
    acceptedToday: ReadonlyMap<string, number>,
  ): void {
    this.#dayStart = localMidnight(this.#deps.clock.now())
    const stored = new Map(states.map((s) => [s.id, s]))
    for (const carer of carers) {
      const state = stored.get(carer.id)
      this.upsertProfile({
        ...carer,
        duty: state?.duty ?? carer.duty,
        ...(state?.position ? { position: state.position } : {}),
      })
      const profile = this.#carers.get(carer.id)
      if (!profile) continue
      profile.busy = busy.has(carer.id)
      profile.alarmsToday = acceptedToday.get(carer.id) ?? 0
      // A carer on duty never heard from counts from now, so the 12-hour rule still applies.
      const seen = state?.lastSeenAt
      if (seen !== undefined) profile.lastSeenAt = seen
      if (profile.duty === 'on') this.#armSilence(carer.id, seen ?? this.#deps.clock.now())
    }
  }

  /** A registry change of the carer's profile (name, mode, base...). */
  upsertProfile(carer: Carer): void {
    const known = this.#carers.get(carer.id)
    const profile: CarerProfile = {
      id: carer.id,
      name: carer.name,
      phone: carer.phone ?? '',
      mode: carer.mode,
      duty: known?.duty ?? carer.duty,
      busy: known?.busy ?? false,
      alarmsToday: known?.alarmsToday ?? 0,
    }
    const position = known?.position ?? carer.position
    if (position) profile.position = position
    if (carer.base) profile.base = carer.base
    if (known?.lastSeenAt !== undefined) profile.lastSeenAt = known.lastSeenAt
    this.#carers.set(carer.id, profile)
    this.#reindex(profile)
  }

  get(id: string): CarerProfile | undefined {
    return this.#carers.get(id)
  }

  all(): IterableIterator<CarerProfile> {
    return this.#carers.values()
  }

  onDutyCount(): number {
    let n = 0
    for (const c of this.#carers.values()) if (c.duty === 'on') n++
    return n
  }

  /** contract: duty is what the carer last said in `duty` (or via HTTP); resolves once it is stored. */
  async setDuty(id: string, duty: 'on' | 'off', at: number): Promise<boolean> {
    const carer = this.#carers.get(id)
    if (!carer) return false
    carer.duty = duty
    carer.lastSeenAt = at
    if (duty === 'on') this.#armSilence(id, at)
    else this.#deps.scheduler.cancel(silenceKey(id))
    this.#reindex(carer)
    this.#deps.onChange?.(carer, 'duty')
    this.#deps.share?.({ id, duty, lastSeenAt: at })
    await this.#deps.repo.saveDuty(id, duty, at)
    return true
  }

  async setPosition(id: string, point: Point, at: number): Promise<boolean> {
    const carer = this.#carers.get(id)
    if (!carer) return false
    carer.position = { lat: point.lat, lon: point.lon, at }
    carer.lastSeenAt = at
    if (carer.duty === 'on') this.#armSilence(id, at)
    this.#reindex(carer)
    this.#deps.onChange?.(carer, 'position')
    this.#deps.share?.({ id, position: carer.position, lastSeenAt: at })
    await this.#deps.repo.savePosition(id, point, at)
    return true
  }

  /** Any message from the carer keeps them from the 12-hour silence rule. */
  seen(id: string, at: number): void {
    const carer = this.#carers.get(id)
    if (!carer) return
    carer.lastSeenAt = at
    if (carer.duty === 'on') this.#armSilence(id, at)
    this.#deps.share?.({ id, lastSeenAt: at })
    this.#deps.repo.saveSeen(id, at).catch((error: unknown) => {
      this.#deps.log.warn({ err: error, carerId: id }, 'last word of a carer not stored')
    })
  }

  setBusy(id: string, busy: boolean): void {
    const carer = this.#carers.get(id)
    if (!carer) return
    carer.busy = busy
    this.#deps.share?.({ id, busy })
  }

  countAccepted(id: string, at: number): void {
    this.#rollDay(at)
    const carer = this.#carers.get(id)
    if (!carer) return
    carer.alarmsToday++
    this.#deps.share?.({ id, acceptedAt: at })
  }

  /** Cluster mode: the carer's silence deadline again, on the node holding it (after a move of lanes). */
  rearmSilence(id: string): void {
    const carer = this.#carers.get(id)
    if (carer?.duty === 'on') this.#armSilence(id, carer.lastSeenAt ?? this.#deps.clock.now())
    else this.#deps.scheduler.cancel(silenceKey(id))
  }

  /** Cluster mode: every carer on duty's silence deadline (the scheduler keeps those of this node's lanes). */
  rearmAllSilence(): void {
    for (const carer of this.#carers.values()) if (carer.duty === 'on') this.rearmSilence(carer.id)
  }

  /**
   * Cluster mode: a change another node made (and stored). Applied to this book only: not
   * written again, not shared again; the other node told its live stream, which reaches this one's.
   */
  mirror(update: CarerUpdate): void {
    const carer = this.#carers.get(update.id)
    if (!carer) return
    if (update.duty !== undefined) carer.duty = update.duty
    if (update.position) carer.position = { ...update.position }
    if (update.busy !== undefined) carer.busy = update.busy
    if (update.acceptedAt !== undefined) {
      this.#rollDay(update.acceptedAt)
      carer.alarmsToday++
    }
    if (update.lastSeenAt !== undefined) {
      carer.lastSeenAt = Math.max(carer.lastSeenAt ?? 0, update.lastSeenAt)
      if (carer.duty === 'on') this.#armSilence(update.id, carer.lastSeenAt)
    }
    if (carer.duty === 'off') this.#deps.scheduler.cancel(silenceKey(update.id))
    this.#reindex(carer)
  }

  /**
   * Ranked candidates for an alarm at `at` (contract: dispatch rules), through the spatial index.
   */
  candidates(at: Point, now: number, exclude: ReadonlySet<string>): Candidate[] {
    this.#rollDay(now)
    return nearestCandidates(this.#index, (id) => this.#carers.get(id), at, now, this.#deps.rules, exclude)
  }

  #reindex(carer: CarerProfile): void {
    if (carer.duty === 'on') this.#index.upsert(carer.id, carer.position, carer.base)
    else this.#index.remove(carer.id)
  }

  #armSilence(id: string, lastSeen: number): void {
    this.#deps.scheduler.at(silenceKey(id), lastSeen + CARER_SILENCE_MS, () =>
      this.setDuty(id, 'off', this.#deps.clock.now()).then(() => undefined),
    )
  }

  #rollDay(now: number): void {
    const today = localMidnight(now)
    if (today === this.#dayStart) return
    this.#dayStart = today
    for (const carer of this.#carers.values()) carer.alarmsToday = 0
  }
}

function silenceKey(id: string): string {
  return `carer-silence:${id}`
}

/** Start of the day in the gateway's local time zone. */
export function localMidnight(at: number): number {
  const d = new Date(at)
  d.setHours(0, 0, 0, 0)
  return d.getTime()
}
