import type { Logger } from '../../kernel/observe/log.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Scheduler } from '../../kernel/ports/scheduler.ts'

/**
 * The cluster's work is split into this many lanes; each lane's deadlines fire on the node holding
 * it. Enough that fifty nodes each hold about twenty, so the work spreads evenly and a death moves
 * only a fiftieth of it.
 */
export const LANES = 1_024

/** The lane of a subject (an alarm, a visit, a carer, a device, a singleton job): a stable hash of its id. */
export function laneOf(id: string): number {
  return fnv1a(id) % LANES
}

/** FNV-1a, 32 bits: stable across processes and versions, cheap, spreads short ids well enough. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/**
 * Which of the live nodes a lane goes to: the one scoring highest for it (rendezvous hashing).
 * Every node works out the same answer from the same list, and when a node comes or goes only the
 * lanes it gains or held move; the others' lanes stay where they are.
 */
export function holderOf(lane: number, alive: readonly string[]): string | undefined {
  let best: string | undefined
  let bestScore = -1
  for (const node of alive) {
    const score = mix(fnv1a(`${node}#${lane}`))
    if (score > bestScore || (score === bestScore && best !== undefined && node < best)) {
      best = node
      bestScore = score
    }
  }
  return best
}

/** A 32-bit integer mixer (an avalanche of the bits), so close inputs score far apart. */
function mix(x: number): number {
  let h = x >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}

/** Where the nodes' heartbeats and the lanes' leases are kept (PostgreSQL in cluster mode). */
export interface LaneStore {
  /** This node is alive at `now`; the nodes seen since `since`, this one included, in id order. */
  heartbeat(node: string, now: number, since: number): Promise<string[]>
  /**
   * Takes or renews the lanes in `lanes` until `until`, where each is free, expired, held by a node
   * not in `alive`, or already this node's; the lanes this node holds after it.
   */
  claim(
    node: string,
    lanes: readonly number[],
    alive: readonly string[],
    now: number,
    until: number,
  ): Promise<number[]>
  /** Lets lanes go (their new holder need not wait for the lease to run out). */
  release(node: string, lanes: readonly number[]): Promise<void>
  /** This node is leaving: its heartbeat and every lease it holds end now. */
  leave(node: string): Promise<void>
}

export interface LaneOptions {
  node: string
  store: LaneStore
  clock: Clock
  scheduler: Scheduler
  log: Logger
  /** How often the heartbeat and the leases are renewed (default 0.6 s). */
  everyMs?: number
  /** How long a lease or a heartbeat lasts unrenewed (default 3 s): a dead node's lanes move after it. */
  ttlMs?: number
  /** Lanes this node came to hold: rebuild their deadlines. */
  gained: (lanes: ReadonlySet<number>) => Promise<void>
}

/**
 * Which lanes this node holds (docs/cluster.md, "Deadlines"). Each round a node renews its
 * heartbeat, and each lane goes to the live node that scores highest for it (`holderOf`): every
 * node works the same assignment out, and when a node comes or goes only its own lanes move. A node holds
 * a lane while its lease is current; it takes a lane assigned to it once the holder let it go, its
 * lease ran out, or the holder stopped beating. A node that cannot renew (the database away) stops
 * counting its lanes as its own when their leases run out, so two nodes never both fire a lane's
 * deadlines for long, and when they do for a moment the alarm's own check (its `seq`) lets one win.
 */
export class Lanes {
  readonly #o: Required<Omit<LaneOptions, 'gained'>> & Pick<LaneOptions, 'gained'>
  #held = new Set<number>()
  #until = 0
  #nodes = 0
  #stopped = false
  #ticking: Promise<void> | undefined

  constructor(o: LaneOptions) {
    this.#o = { everyMs: 600, ttlMs: 3_000, ...o }
  }

  get node(): string {
    return this.#o.node
  }

  /** Whether this node holds the lane of `id` now. */
  owns(id: string): boolean {
    return this.holds(laneOf(id))
  }

  holds(lane: number): boolean {
    return this.#held.has(lane) && this.#o.clock.now() < this.#until
  }

  get held(): ReadonlySet<number> {
    return this.#held
  }

  /** The live nodes this node saw at its last round, itself included. */
  get nodes(): number {
    return this.#nodes
  }

  /** The first round: resolves once this node holds what is assigned to it (or the round failed). */
  async start(): Promise<void> {
    await this.tick()
  }

  /** One round of heartbeat and leases; the next is armed when it ends. */
  tick(): Promise<void> {
    this.#ticking ??= this.#round().finally(() => {
      this.#ticking = undefined
      if (!this.#stopped) {
        this.#o.scheduler.at('cluster:lanes', this.#o.clock.now() + this.#o.everyMs, () => this.tick())
      }
    })
    return this.#ticking
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#o.scheduler.cancel('cluster:lanes')
    await this.#ticking
    this.#held = new Set()
    await this.#o.store.leave(this.#o.node).catch((error: unknown) => {
      this.#o.log.warn({ err: error }, 'cluster: leases not let go (they run out by themselves)')
    })
  }

  async #round(): Promise<void> {
    const { node, store, clock, ttlMs, log } = this.#o
    const now = clock.now()
    try {
      const alive = await store.heartbeat(node, now, now - ttlMs)
      this.#nodes = alive.length
      const mine: number[] = []
      const theirs: number[] = []
      for (let lane = 0; lane < LANES; lane++) (holderOf(lane, alive) === node ? mine : theirs).push(lane)
      const yielded = theirs.filter((lane) => this.#held.has(lane))
      if (yielded.length > 0) await store.release(node, yielded)
      const held = new Set(await store.claim(node, mine, alive, now, now + ttlMs))
      const gained = new Set([...held].filter((lane) => !this.#held.has(lane) || now >= this.#until))
      this.#held = held
      this.#until = now + ttlMs
      if (gained.size > 0 || yielded.length > 0) {
        log.info(
          { held: held.size, gained: gained.size, released: yielded.length, nodes: alive.length },
          'cluster lanes',
        )
      }
      if (gained.size > 0) await this.#o.gained(gained)
    } catch (error) {
      // the leases run out by themselves; until they do this node still holds its lanes
      log.warn({ err: error }, 'cluster: heartbeat or leases not renewed')
    }
  }
}
