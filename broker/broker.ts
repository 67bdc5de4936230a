import { readFileSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { createServer, type Server } from 'node:net'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import type { WebSocket } from '@fastify/websocket'
import { Aedes, type AuthenticateError, type Client, type Connection, type PublishPacket } from 'aedes'
import type { FastifyInstance } from 'fastify'
import { createWebSocketStream } from 'ws'
import type { Config } from '../gateway/config.ts'
import { durableDeviceUplinks, type ParsedTopic, parseTopic } from '../gateway/contract/topics.ts'
import type { Audit } from '../gateway/observe/audit.ts'
import type { Logger } from '../gateway/observe/log.ts'
import type { Metrics } from '../gateway/observe/metrics.ts'
import type { Clock } from '../gateway/ports/clock.ts'
import type { Scheduler } from '../gateway/ports/scheduler.ts'
import { Backlog } from './backlog.ts'
import { ClientIds } from './client-ids.ts'
import { PrincipalLimiter } from './limits.ts'
import { mayPublish, maySubscribe, mayWill, type Principal } from './policy.ts'

/** What the broker asks of the gateway: who someone is, and what to do with a publish. */
export interface BrokerGate {
  authenticate(username: string, password: Buffer | undefined): Promise<Principal | null>
  /**
   * Called inside `authorizePublish`, before the PUBACK. When it returns, the
   * message is stored; if it throws, there is no PUBACK and the device retries.
   */
  onPublish(principal: Principal, topic: ParsedTopic, payload: Buffer): void
  /** A principal's subscriptions took effect (SUBACK sent; refused filters left out). */
  onSubscribe?(principal: Principal, filters: readonly string[]): void
}

export interface BrokerDeps {
  config: Config
  /** Time for the rate limits: the gateway's clock, so tests move it instead of sleeping. */
  clock: Clock
  /** Releases publishes held back for the rate, at the gateway's clock. */
  scheduler: Scheduler
  log: Logger
  metrics: Metrics
  audit: Audit
  gate: BrokerGate
}

/** MQTT 3.1.1 CONNACK return codes (contract: a refusal for bad credentials). */
const IDENTIFIER_REJECTED = 2
const SERVER_UNAVAILABLE = 3
const BAD_CREDENTIALS = 4
const NOT_AUTHORIZED = 5

/**
 * Aedes in the gateway's process: TCP, TLS and WebSocket listeners in front
 * of one broker whose hooks enforce the contract — who may connect, what
 * each principal may publish and subscribe, how big a payload may be.
 */
export class Broker {
  readonly #d: BrokerDeps
  readonly #principals = new WeakMap<Client, Principal>()
  readonly #wills = new WeakMap<Client, string>()
  readonly #flows = new WeakMap<Client, Flow>()
  readonly #clientIds = new ClientIds()
  #flowSerial = 0
  /** Connections holding a place under the cap: admitted, or having their secret checked. */
  readonly #admitted = new Set<Client>()
  /** Every open socket, so that `stop()` can end those that never sent a CONNECT. */
  readonly #sockets = new Set<Connection>()
  #aedes: Aedes | undefined
  #tcp: Server | undefined
  #tls: TlsServer | undefined

  constructor(deps: BrokerDeps) {
    this.#d = deps
  }

  get connections(): number {
    return this.#aedes?.connectedClients ?? 0
  }

  get ports(): { mqtt?: number; mqtts?: number } {
    const ports: { mqtt?: number; mqtts?: number } = {}
    const tcp = this.#tcp?.address()
    if (tcp && typeof tcp === 'object') ports.mqtt = tcp.port
    const tls = this.#tls?.address()
    if (tls && typeof tls === 'object') ports.mqtts = tls.port
    return ports
  }

  async start(): Promise<void> {
    const { config } = this.#d
    const aedes = await Aedes.createBroker({
      drainTimeout: config.drainTimeoutMs,
      preConnect: (client, packet, done) => {
        if (packet.will) this.#wills.set(client, packet.will.topic)
        done(null, true)
      },
      authenticate: (client, username, password, done) => {
        void this.#authenticate(client, username, password).then((code) => {
          if (code === 0) return done(null, true)
          // no message of our own: Aedes names the return code in the error it reports
          done(Object.assign(new Error(), { returnCode: code }) as AuthenticateError, false)
        })
      },
      authorizePublish: (client, packet, done) => this.#authorizePublish(client, packet, done),
      authorizeSubscribe: (client, subscription, done) => {
        const principal = this.#principals.get(client)
        if (principal && maySubscribe(principal, subscription.topic)) return done(null, subscription)
        this.#refused('subscribe_denied', principal, { topic: subscription.topic })
        done(null, null) // SUBACK 0x80 for this filter; the connection stays
      },
    })
    aedes.on('subscribe', (subscriptions, client) => {
      const principal = this.#principals.get(client)
      // Aedes reports a refused filter with the SUBACK's 0x80 in place of its QoS
      const granted = subscriptions.filter((s) => (s.qos as number) !== 0x80).map((s) => s.topic)
      if (!principal || granted.length === 0) return
      try {
        this.#d.gate.onSubscribe?.(principal, granted)
      } catch (error) {
        this.#d.log.error({ err: error, principal: principal.id }, 'subscribe hook failed')
      }
    })
    aedes.on('clientError', (client, error) => {
      this.#d.metrics.inc('care_mqtt_client_errors_total')
      this.#d.log.debug({ client: client.id, err: error.message }, 'client error')
    })
    aedes.on('connectionError', (_client, error) => {
      this.#d.metrics.inc('care_mqtt_connection_errors_total')
      this.#d.log.debug({ err: error.message }, 'connection error')
    })
    this.#aedes = aedes

    if (config.mqttPlain === 'on') {
      // Small MQTT packets in a row (a PUBACK, then `received`) must not wait on Nagle's algorithm.
      this.#tcp = createServer({ noDelay: true }, (socket) => this.#accept(socket))
      await listen(this.#tcp, config.mqttPort, config.host)
    }
    if (config.tlsCert && config.tlsKey) {
      this.#tls = createTlsServer(
        { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey), noDelay: true },
        (socket) => this.#accept(socket),
      )
      await listen(this.#tls, config.mqttsPort, config.host)
    }
  }

  /** MQTT over WebSocket at `/mqtt` on the HTTP port (contract). Call before the HTTP server listens. */
  registerWebSocketRoute(app: FastifyInstance): void {
    app.get('/mqtt', { websocket: true }, (socket: WebSocket, request) => {
      if (!this.#aedes) return socket.close(1013, 'broker not started')
      this.#accept(createWebSocketStream(socket), request.raw)
    })
  }

  /** Publish a downlink or an event from the gateway itself. */
  publish(topic: string, message: unknown, options: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    const aedes = this.#aedes
    if (!aedes) return Promise.reject(new Error('broker not started'))
    const packet: PublishPacket = {
      cmd: 'publish',
      topic,
      payload: Buffer.from(JSON.stringify(message)),
      qos: options.qos ?? 1,
      retain: options.retain ?? false,
      dup: false,
    }
    return new Promise((resolve, reject) =>
      aedes.publish(packet, (error) => (error ? reject(error) : resolve())),
    )
  }

  async stop(): Promise<void> {
    const aedes = this.#aedes
    this.#aedes = undefined
    // Stop listening first; a server's close waits for its sockets, which closing the broker ends.
    const closed = Promise.all([close(this.#tcp), close(this.#tls)])
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    await closed
  }

  #accept(conn: Connection, request?: IncomingMessage): void {
    const aedes = this.#aedes
    if (!aedes) return void conn.destroy()
    this.#sockets.add(conn)
    conn.once('close', () => this.#sockets.delete(conn))
    aedes.handle(conn, request)
  }

  async #authenticate(client: Client, username?: string, password?: Buffer): Promise<number> {
    // Over the cap, refuse before spending a hash on the secret: CONNACK 3, "server unavailable".
    const limit = this.#d.config.maxConnections
    if (client.conn.destroyed) return SERVER_UNAVAILABLE // gone already: no CONNACK will be written
    if (this.#admitted.size >= limit) {
      this.#refused('connection_cap', undefined, { username, limit })
      return SERVER_UNAVAILABLE
    }
    // The place is taken before the (slow) secret check, or connections arriving together all fit under the cap.
    this.#admitted.add(client)
    client.conn.once('close', () => this.#admitted.delete(client))
    let code = SERVER_UNAVAILABLE
    try {
      code = await this.#verify(client, username, password)
    } catch (error) {
      this.#d.log.error({ err: error }, 'authentication failed')
    }
    if (code !== 0) this.#admitted.delete(client)
    return code
  }

  async #verify(client: Client, username?: string, password?: Buffer): Promise<number> {
    if (!username) {
      this.#refused('bad_credentials', undefined, { reason: 'no username' })
      return BAD_CREDENTIALS
    }
    const principal = await this.#d.gate.authenticate(username, password)
    if (!principal) {
      this.#refused('bad_credentials', undefined, { username })
      return BAD_CREDENTIALS
    }
    const will = this.#wills.get(client)
    if (will !== undefined && !mayWill(principal, will)) {
      this.#refused('will_denied', principal, { topic: will })
      return NOT_AUTHORIZED
    }
    // security: a session belongs to its principal — another's client id would take over its
    // connection and its queued messages (Aedes keys both by client id alone)
    const owner = this.#clientIds.owner(client.id)
    if (owner !== undefined && owner !== principal.id) {
      this.#refused('client_id_taken', principal, { clientId: client.id })
      return IDENTIFIER_REJECTED
    }
    if (client.conn.destroyed) return SERVER_UNAVAILABLE // gone while its secret was checked
    this.#clientIds.claim(client.id, principal.id, client.clean)
    client.conn.once('close', () => this.#clientIds.release(client.id))
    this.#principals.set(client, principal)
    return 0
  }

  /**
   * contract: only one's own uplinks, at most `maxPayloadBytes`. MQTT 3.1.1
   * has no negative PUBACK, so a refused publish closes the connection —
   * which also stops a device from believing it was stored. `done` may be
   * held back: Aedes acknowledges a QoS 1 publish only when it is called.
   */
  #authorizePublish(
    client: Client | null,
    packet: PublishPacket,
    done: (error?: Error | null) => void,
  ): void {
    if (client === null) {
      // A will published for a client gone from another broker: only a device's offline status.
      const topic = parseTopic(packet.topic)
      return done(topic?.kind === 'device' && topic.leaf === 'status' ? null : new Error('not authorized'))
    }
    const principal = this.#principals.get(client)
    if (!principal) return done(new Error('not authenticated'))
    const size = packet.payload.length
    if (size > this.#d.config.maxPayloadBytes) {
      this.#refused('payload_too_large', principal, { topic: packet.topic, bytes: size })
      return done(new Error('payload too large'))
    }
    const verdict = mayPublish(principal, packet.topic)
    if (!verdict.ok) {
      this.#refused('publish_denied', principal, { topic: packet.topic, reason: verdict.reason })
      return done(new Error('not authorized'))
    }
    const topic = verdict.topic
    // A will comes once, as its connection closes: never throttled, or a device cut off for flooding stays online.
    if (client.closed) return done(this.#store(principal, topic, packet))
    const flow = this.#flow(client, principal)
    const limit = flow.limiter.check(
      isAlarmMessage(topic),
      packet.qos,
      this.#d.clock.now(),
      flow.backlog.size,
    )
    switch (limit) {
      case 'pass':
        return done(this.#store(principal, topic, packet))
      case 'drop':
        // QoS 0 telemetry over the rate: nothing was promised, so it is dropped and counted
        this.#d.metrics.inc('care_mqtt_throttled_total')
        return done(null)
      case 'hold':
        // contract: PUBACK means kept — over the rate a QoS 1 publish waits for its turn, unacknowledged
        this.#d.metrics.inc('care_mqtt_held_total')
        flow.backlog.push({ pass: () => done(this.#store(principal, topic, packet)), refuse: done })
        if (flow.backlog.size === 1) this.#releaseLater(flow)
        return
      default:
        this.#refused('rate_limited', principal, {
          topic: packet.topic,
          reason: limit,
          held: flow.backlog.size,
        })
        flow.backlog.clear() // never acknowledged: the device sends them again
        return done(new Error('rate limited'))
    }
  }

  /** Hand a publish to the gateway; an error (not stored) means no PUBACK, so the device sends it again. */
  #store(principal: Principal, topic: ParsedTopic, packet: PublishPacket): Error | null {
    if (packet.retain && !(topic.kind === 'device' && topic.leaf === 'status')) packet.retain = false
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
    try {
      this.#d.gate.onPublish(principal, topic, payload)
    } catch (error) {
      this.#d.metrics.inc('care_mqtt_store_failures_total')
      this.#d.log.error({ err: error, principal: principal.id, topic: packet.topic }, 'publish not stored')
      return new Error('not stored')
    }
    return null
  }

  /** The connection's limits and held publishes, made at its first publish and forgotten when it closes. */
  #flow(client: Client, principal: Principal): Flow {
    const known = this.#flows.get(client)
    if (known) return known
    const c = this.#d.config
    const limiter = new PrincipalLimiter(
      {
        ratePerS: c.mqttRatePerS,
        burst: c.mqttBurst,
        alarmRatePerS: c.mqttAlarmRatePerS,
        alarmBurst: c.mqttAlarmBurst,
        dropsBeforeDisconnect: c.mqttBurst * 2,
        maxHeld: c.mqttMaxHeld,
        maxHoldMs: c.mqttHoldMaxS * 1000,
      },
      this.#d.clock.now(),
    )
    const flow: Flow = {
      client,
      principal,
      limiter,
      backlog: new Backlog(),
      key: `mqtt-held:${++this.#flowSerial}`,
    }
    this.#flows.set(client, flow)
    client.conn.once('close', () => {
      this.#d.scheduler.cancel(flow.key)
      flow.backlog.clear()
    })
    return flow
  }

  /** Wake when the rate allows the oldest held publish, on the gateway's scheduler. */
  #releaseLater(flow: Flow): void {
    const now = this.#d.clock.now()
    this.#d.scheduler.at(flow.key, flow.limiter.nextAt(now), () => this.#release(flow))
  }

  #release(flow: Flow): void {
    if (flow.client.closed) return flow.backlog.clear()
    const now = this.#d.clock.now()
    const waiting = flow.backlog.release(() => flow.limiter.release(now))
    if (!waiting) return flow.limiter.drained()
    if (flow.limiter.heldTooLong(now)) {
      // a flood that never stops: a backlog is taken at the rate, but not forever
      this.#refused('rate_limited', flow.principal, { reason: 'held_too_long', held: flow.backlog.size })
      return flow.backlog.abort(new Error('held back too long'))
    }
    this.#releaseLater(flow)
  }

  #refused(reason: string, principal: Principal | undefined, detail: Record<string, unknown>): void {
    this.#d.metrics.inc('care_mqtt_refused_total', { reason })
    this.#d.log.warn({ reason, principal: principal?.id, ...detail }, 'mqtt refused')
    this.#d.audit.record({
      actor: principal?.id ?? (typeof detail.username === 'string' ? detail.username : undefined),
      action: `mqtt.${reason}`,
      target: typeof detail.topic === 'string' ? detail.topic : undefined,
      source: 'mqtt',
      detail,
    })
  }
}

/** One connection's rate limits and the publishes it has waiting. */
interface Flow {
  client: Client
  principal: Principal
  limiter: PrincipalLimiter
  backlog: Backlog
  /** Its release deadline in the scheduler. */
  key: string
}

/** Messages that open, close or move an alarm: never dropped after a PUBACK. */
function isAlarmMessage(topic: ParsedTopic): boolean {
  if (topic.kind === 'device') return durableDeviceUplinks.has(topic.leaf)
  return topic.kind === 'carer' && (topic.leaf === 'reply' || topic.leaf === 'duty')
}

function listen(server: Server | TlsServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function close(server: Server | TlsServer | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve()
  return new Promise((resolve) => server.close(() => resolve()))
}
