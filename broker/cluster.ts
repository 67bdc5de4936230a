import aedesPersistenceRedis from 'aedes-persistence-redis'
import { Redis } from 'ioredis'
import mqemitter, { type MQEmitter } from 'mqemitter'
import MQEmitterRedis from 'mqemitter-redis'
import { parseTopic } from '../kernel/contract/topics.ts'

/**
 * What the brokers of a cluster share through Redis (docs/cluster.md): the message routing
 * (`mqemitter-redis`: a publish on one node reaches the subscribers on every node) and the MQTT
 * state (`aedes-persistence-redis`: sessions, subscriptions, retained messages, QoS 1 queues), so a
 * downlink made on node A reaches a carer connected to node B, and a persistent session outlives
 * the node it was made on. Devices' and carers' uplinks stay on the node they arrive at: nobody
 * subscribes to them (the gateway takes them as they are published), so sending every `loc`
 * through Redis would only load it with the whole cluster's telemetry.
 */
export interface SharedBrokerState {
  mq: unknown
  persistence: unknown
  /**
   * Called each time the routing's Redis connection is back after a loss (not at the first): what
   * was published meanwhile may not have reached every node.
   */
  onReconnect(fn: () => void): void
  /**
   * security: a client id belongs to the principal of its live connections or stored session, on
   * every node (broker/client-ids.ts keeps the same rule within one). False when another holds it.
   */
  claimClientId(clientId: string, principal: string, clean: boolean): Promise<boolean>
  releaseClientId(clientId: string): void
  /** After the broker closed: ends the Redis clients. */
  close(): Promise<void>
}

/**
 * A binding outlives its connections only while a session is stored (`clean: false`); one whose
 * node died before it was released stays until this long after it was last claimed, binding the
 * id to the principal that last held it — never handing it to another meanwhile.
 */
const CLIENT_ID_TTL_S = 7 * 86_400

const CLAIM = `
local holder = redis.call('HGET', KEYS[1], 'principal')
if holder and holder ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'principal', ARGV[1], 'persistent', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'live', 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`

const RELEASE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local live = redis.call('HINCRBY', KEYS[1], 'live', -1)
if live <= 0 and redis.call('HGET', KEYS[1], 'persistent') == '0' then redis.call('DEL', KEYS[1]) end
return 1`

export function sharedBrokerState(redisUrl: string): SharedBrokerState {
  const url = new URL(redisUrl)
  const connection = {
    host: url.hostname,
    port: url.port === '' ? 6379 : Number(url.port),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    // a command waits while Redis is away (a restart, a failover) rather than failing at once
    maxRetriesPerRequest: null,
  }
  const routing = MQEmitterRedis(connection)
  const mq = new SplitEmitter(routing, mqemitter(), isUplink)
  const persistence = aedesPersistenceRedis(connection)
  const ids = new Redis(connection)
  ids.on('error', () => {}) // the brokers' own clients report Redis errors
  let closed = false
  let readies = 0
  const reconnected: (() => void)[] = []
  ;(routing as unknown as { subConn: { on(event: 'ready', fn: () => void): void } }).subConn.on(
    'ready',
    () => {
      if (++readies > 1) for (const fn of reconnected) fn()
    },
  )
  return {
    mq,
    persistence,
    onReconnect: (fn) => reconnected.push(fn),
    async claimClientId(clientId, principal, clean) {
      const key = `care:client:${clientId}`
      const claimed = await ids.eval(CLAIM, 1, key, principal, clean ? '0' : '1', String(CLIENT_ID_TTL_S))
      return claimed === 1
    },
    releaseClientId(clientId) {
      ids.eval(RELEASE, 1, `care:client:${clientId}`).catch(() => {
        // kept until its time runs out: still bound to the same principal
      })
    },
    async close() {
      if (closed) return
      closed = true
      // without a callback: the callback form waits for a 'ready' only the library's own set-up path sends
      await persistence.destroy()
      await ids.quit().catch(() => {})
    },
  }
}

/** A device's or a carer's own uplink topic (contract: nobody may subscribe to another's). */
function isUplink(topic: string): boolean {
  const parsed = parseTopic(topic)
  return parsed?.kind === 'device' || parsed?.kind === 'carer'
}

type Listener = Parameters<MQEmitter['on']>[1]

/**
 * Two emitters behind one: the messages `local` picks go through the in-process one, the rest
 * through the cluster's. Every listener listens on both, so it hears a message from either, once.
 */
class SplitEmitter {
  readonly #shared: MQEmitter
  readonly #local: MQEmitter
  readonly #isLocal: (topic: string) => boolean

  constructor(shared: MQEmitter, local: MQEmitter, isLocal: (topic: string) => boolean) {
    this.#shared = shared
    this.#local = local
    this.#isLocal = isLocal
  }

  get current(): number {
    return this.#shared.current + this.#local.current
  }

  get concurrent(): number {
    return this.#shared.concurrent
  }

  on(topic: string, listener: Listener, callback?: () => void): this {
    this.#local.on(topic, listener, () => this.#shared.on(topic, listener, callback))
    return this
  }

  removeListener(topic: string, listener: Listener, callback?: () => void): void {
    this.#local.removeListener(topic, listener, () => this.#shared.removeListener(topic, listener, callback))
  }

  emit(message: Parameters<MQEmitter['emit']>[0], callback?: (error?: Error) => void): void {
    if (this.#isLocal(message.topic)) this.#local.emit(message, callback)
    else this.#shared.emit(message, callback)
  }

  close(callback: () => void): void {
    this.#local.close(() => this.#shared.close(callback))
  }
}
