import { Redis } from 'ioredis'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'

/**
 * What the nodes of a cluster tell each other (docs/cluster.md). Every node keeps the hot state in
 * memory (the carer book, the registry, the live board's stream); a change made on one node is
 * written to PostgreSQL there and announced here, so the others' memory follows. The database stays
 * the truth: a node that missed a message reads it back at its next start.
 */
export type ClusterMessage<Live = unknown, Carer = unknown, Registry = unknown> =
  /** An event of the live stream made on the sender: every node's stream carries the whole cluster. */
  | { type: 'live'; event: Live }
  /** A carer's duty, position, load or last word changed on the sender. */
  | { type: 'carer'; update: Carer }
  /** A registry record changed (or went) on the sender, after its commit. */
  | { type: 'registry'; change: Registry }
  /** Sessions that ended on the sender: every node closes the connections made with them. */
  | { type: 'sessions-ended'; sessions: string[] }
  /** A deadline armed or cancelled on the sender, which does not hold its lane: the holder works it out again. */
  | { type: 'rearm'; key: string }

export type Received = (message: ClusterMessage, from: string) => void

/** The nodes' channel. `send` never throws at the caller; a message to nobody is simply lost. */
export interface ClusterBus {
  readonly node: string
  send(message: ClusterMessage): void
  /** Messages from the other nodes (never this node's own). */
  receive(fn: Received): void
  /** Called each time the bus is back after a loss: what the others sent meanwhile is lost. */
  back(fn: () => void): void
  close(): Promise<void>
}

const CHANNEL = 'care:cluster'

/**
 * The bus over Redis publish/subscribe: one connection publishes, one listens. Redis delivers a
 * publisher's messages in order, so a carer's position never overtakes their earlier duty change.
 * A message sent while Redis is away is queued by the client (bounded by its own limits) and sent
 * when it is back; one lost in between is made good by the database at the next read or start.
 */
export class RedisBus implements ClusterBus {
  readonly node: string
  readonly #pub: Redis
  readonly #sub: Redis
  readonly #log: Logger
  readonly #metrics: Metrics
  readonly #receivers: Received[] = []
  readonly #back: (() => void)[] = []
  #readies = 0

  constructor(o: { url: string; node: string; log: Logger; metrics: Metrics }) {
    this.node = o.node
    this.#log = o.log
    this.#metrics = o.metrics
    const options = { maxRetriesPerRequest: null, lazyConnect: false }
    this.#pub = new Redis(o.url, options)
    this.#sub = new Redis(o.url, options)
    for (const conn of [this.#pub, this.#sub]) {
      conn.on('error', (error: Error) => this.#log.warn({ err: error.message }, 'cluster bus: Redis error'))
    }
    this.#sub.on('message', (_channel: string, text: string) => this.#deliver(text))
    this.#sub.on('ready', () => {
      if (++this.#readies > 1) for (const fn of this.#back) fn()
    })
  }

  /** Resolves once this node listens, so nothing sent by the others after it is missed. */
  async start(): Promise<void> {
    await this.#sub.subscribe(CHANNEL)
  }

  send(message: ClusterMessage): void {
    const text = JSON.stringify({ from: this.node, message })
    this.#pub.publish(CHANNEL, text).catch((error: unknown) => {
      this.#metrics.inc('care_cluster_messages_lost_total')
      this.#log.warn({ err: error, type: message.type }, 'cluster bus: message not sent')
    })
  }

  receive(fn: Received): void {
    this.#receivers.push(fn)
  }

  back(fn: () => void): void {
    this.#back.push(fn)
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#sub.quit(), this.#pub.quit()])
  }

  #deliver(text: string): void {
    let parsed: { from: string; message: ClusterMessage }
    try {
      parsed = JSON.parse(text)
    } catch {
      this.#metrics.inc('care_cluster_messages_refused_total')
      return
    }
    if (parsed.from === this.node) return
    for (const fn of this.#receivers) {
      try {
        fn(parsed.message, parsed.from)
      } catch (error) {
        this.#metrics.inc('care_listener_errors_total', { listener: `cluster.${parsed.message.type}` })
        this.#log.error(
          { err: error, type: parsed.message.type, from: parsed.from },
          'cluster message failed',
        )
      }
    }
  }
}
