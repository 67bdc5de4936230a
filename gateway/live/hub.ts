import type { TrackMessage } from '../../kernel/contract/payloads.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Alarm, TimelineEntry } from '../alarms/model.ts'
import type { CarerProfile } from '../carers/book.ts'
import type { TravelMode } from '../dispatch/types.ts'

/** One change for the board, in the order the gateway made it. */
export type LiveEvent =
  | { seq: number; at: number; type: 'alarm'; grid: string[]; alarm: Alarm; entry: TimelineEntry }
  | { seq: number; at: number; type: 'carer'; carer: LiveCarer }
  | { seq: number; at: number; type: 'device'; grid: string[]; device: LiveDevice }
  | { seq: number; at: number; type: 'track'; grid: string[]; carerId?: string; track: TrackMessage }

/** What a viewer gets first on `GET /live`: the state now, from which the events go on. */
export interface LiveSnapshot {
  type: 'snapshot'
  seq: number
  at: number
  alarms: Alarm[]
  carers: LiveCarer[]
}

/** Every message of the live stream, as the board and the carer page read it. */
export type LiveMessage = LiveSnapshot | LiveEvent

export interface LiveCarer {
  id: string
  name: string
  duty: 'on' | 'off'
  busy: boolean
  mode: TravelMode
  position?: { lat: number; lon: number; at: number }
  /** Where the carer is sent from without a fresh position (their station or home). */
  base?: { lat: number; lon: number }
  /** Alarms accepted today: the ranking's tie-breaker after the ETA. */
  alarmsToday: number
}

/** What the board and the carer page see of a carer: enough to rank them as dispatch does. */
export function liveCarerOf(carer: CarerProfile): LiveCarer {
  const view: LiveCarer = {
    id: carer.id,
    name: carer.name,
    duty: carer.duty,
    busy: carer.busy,
    mode: carer.mode,
    alarmsToday: carer.alarmsToday,
  }
  if (carer.position) view.position = { ...carer.position }
  if (carer.base) view.base = { ...carer.base }
  return view
}

export interface LiveDevice {
  id: string
  elderId: string
  online: boolean
  battery?: number
}

/** Who is watching, and what they may see. */
export interface LiveViewer {
  role: 'admin' | 'dispatcher' | 'supervisor' | 'carer'
  grid?: readonly string[]
  carerId?: string
}

export interface LiveSubscriber {
  viewer: LiveViewer
  /** Gets each visible event as JSON text; returns false when the subscriber is too slow and must go. */
  send(json: string): boolean
  drop(reason: string): void
}

export type Unsequenced<T> = T extends unknown ? Omit<T, 'seq' | 'at'> : never

/**
 * The live stream: every alarm, carer and device change gets the next
 * sequence number and goes, as one serialised text, to each subscriber
 * allowed to see it. A ring of recent events lets a client that lost its
 * connection resume from the last number it saw. A subscriber that cannot
 * keep up is dropped; it never holds the gateway back.
 */
export class LiveHub {
  readonly #clock: Clock
  readonly #ring: { event: LiveEvent; json: string }[] = []
  readonly #capacity: number
  readonly #subscribers = new Set<LiveSubscriber>()
  #seq = 0
  /** Cluster mode: each event made on this node is also handed here, for the other nodes' streams. */
  relay: ((event: Unsequenced<LiveEvent>) => void) | undefined
  dropped = 0

  constructor(clock: Clock, capacity = 10_000) {
    this.#clock = clock
    this.#capacity = capacity
  }

  get seq(): number {
    return this.#seq
  }

  get subscribers(): number {
    return this.#subscribers.size
  }

  alarm(alarm: Readonly<Alarm>, entry: Readonly<TimelineEntry>, grid: readonly string[]): void {
    this.#publish({ type: 'alarm', grid: [...grid], alarm: { ...alarm }, entry: { ...entry } })
  }

  carer(carer: CarerProfile): void {
    this.#publish({ type: 'carer', carer: liveCarerOf(carer) })
  }

  device(device: LiveDevice, grid: readonly string[]): void {
    this.#publish({ type: 'device', grid: [...grid], device: { ...device } })
  }

  /** A followed elder's new fix (docs/visits.md, "Following a wandering elder"). */
  track(track: TrackMessage, grid: readonly string[], carerId: string | undefined): void {
    const event = { type: 'track' as const, grid: [...grid], track: { ...track } }
    this.#publish(carerId === undefined ? event : { ...event, carerId })
  }

  /**
   * Events after `since` that the viewer may see, or undefined when they are
   * no longer in the ring (the client must start again from a snapshot).
   */
  since(since: number, viewer: LiveViewer): string[] | undefined {
    if (since > this.#seq) return undefined
    const oldest = this.#ring[0]?.event.seq ?? this.#seq + 1
    if (since < oldest - 1) return undefined
    return this.#ring.filter((r) => r.event.seq > since && visible(r.event, viewer)).map((r) => r.json)
  }

  /** An event made on another node of the cluster: on this node's stream too, not relayed again. */
  remote(event: Unsequenced<LiveEvent>): void {
    this.#publish(event, false)
  }

  subscribe(subscriber: LiveSubscriber): () => void {
    this.#subscribers.add(subscriber)
    return () => this.#subscribers.delete(subscriber)
  }

  #publish(partial: Unsequenced<LiveEvent>, local = true): void {
    if (local) this.relay?.(partial)
    const event = { ...partial, seq: ++this.#seq, at: this.#clock.now() } as LiveEvent
    const json = JSON.stringify(event)
    this.#ring.push({ event, json })
    if (this.#ring.length > this.#capacity) this.#ring.shift()
    for (const s of this.#subscribers) {
      if (!visible(event, s.viewer)) continue
      if (!s.send(json)) {
        this.#subscribers.delete(s)
        this.dropped++
        s.drop('too slow')
      }
    }
  }
}

/** Roles and scope, applied to every event (issue: a scoped supervisor sees only their grid). */
export function visible(event: LiveEvent, viewer: LiveViewer): boolean {
  switch (event.type) {
    case 'alarm':
      if (viewer.role === 'carer')
        return event.alarm.carerId === viewer.carerId || event.entry.carerId === viewer.carerId
      return underGrid(event.grid, viewer.grid)
    case 'device':
      return viewer.role !== 'carer' && underGrid(event.grid, viewer.grid)
    case 'carer':
      return seesCarer(viewer, event.carer.id)
    case 'track':
      if (viewer.role === 'carer') return event.carerId !== undefined && event.carerId === viewer.carerId
      return underGrid(event.grid, viewer.grid)
  }
}

/** Which carers a viewer sees, on this stream and in `GET /carers` alike (one rule for both). */
export function seesCarer(viewer: LiveViewer, carerId: string): boolean {
  if (viewer.role === 'carer') return carerId === viewer.carerId
  // carers belong to no grid: a supervisor scoped to one does not see them
  return !viewer.grid || viewer.grid.length === 0
}

export function underGrid(grid: readonly string[], scope: readonly string[] | undefined): boolean {
  if (!scope || scope.length === 0) return true
  return scope.every((g, i) => grid[i] === g)
}
