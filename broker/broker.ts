import { readFileSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { createServer, type Server } from 'node:net'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import type { WebSocket } from '@fastify/websocket'
import { Aedes, type AuthenticateError, type Client, type Connection, type PublishPacket } from 'aedes'
import type { FastifyInstance } from 'fastify'
import { createWebSocketStream } from 'ws'
import { durableDeviceUplinks, type ParsedTopic, parseTopic } from '../kernel/contract/topics.ts'
import type { AuditTrail } from '../kernel/observe/audit.ts'
import type { Logger } from '../kernel/observe/log.ts'
import type { Metrics } from '../kernel/observe/metrics.ts'
import type { Clock } from '../kernel/ports/clock.ts'
import type { Scheduler } from '../kernel/ports/scheduler.ts'
import { ClientIds } from './client-ids.ts'
import { type SharedBrokerState, sharedBrokerState } from './cluster.ts'
import { Doorway } from './doorway.ts'
import type { FrameRefusal } from './frames.ts'
import { KnownSecrets, LoginGuard } from './logins.ts'
import type { BrokerOptions } from './options.ts'
import { Pacer } from './pacer.ts'
import { mayPublish, maySubscribe, mayWill, type Principal } from './policy.ts'
import { Refusals } from './refusals.ts'

/** What the broker asks of the gateway: who someone is, and what to do with a publish. */
export interface BrokerGate {
  authenticate(username: string, password: Buffer | undefined): Promise<Principal | null>
  /**
   * Called inside `authorizePublish`, before the PUBACK. At QoS 1, when it returns the message
   * is stored; if it throws, there is no PUBACK and the device retries. At QoS 0 (no PUBACK) a
   * reading may return once it is taken in, before it is stored.
   */
  onPublish(
    principal: Principal,
    topic: ParsedTopic,
    payload: Buffer,
    qos: PublishPacket['qos'],
  ): void | Promise<void>
  /** A principal's subscriptions took effect (SUBACK sent; refused filters left out). */
  onSubscribe?(principal: Principal, filters: readonly string[]): void
}

export interface BrokerDeps {
  config: BrokerOptions
  /** Time for the rate limits: the gateway's clock, so tests move it instead of sleeping. */
  clock: Clock
  /** Releases publishes held back for the rate, at the gateway's clock. */
  scheduler: Scheduler
  log: Logger
  metrics: Metrics
  audit: AuditTrail
}

/** Aedes' words when a PUBLISH names a wildcard, an empty topic or too many levels. */
const FORBIDDEN_PUBLISH_TOPIC = /not allowed in PUBLISH|topic has too many levels/

/** MQTT 3.1.1 CONNACK return codes (contract: a refusal for bad credentials). */
const IDENTIFIER_REJECTED = 2
const SERVER_UNAVAILABLE = 3
const BAD_CREDENTIALS = 4
const NOT_AUTHORIZED = 5

/**
 * Room in a packet beyond its payload: fixed header (5), topic length and
 * message id (4), the longest topic the contract allows (under 100 bytes),
 * and more than enough for a CONNECT's client id, user name and secret.
 */
const PACKET_OVERHEAD = 512
/** Failed logins are counted, and refusals anyone can cause audited, per window of this length. */
const WINDOW_MS = 60_000

/**
 * Aedes in the gateway's process: TCP, TLS and WebSocket listeners in front
 * of one broker whose hooks enforce the contract — who may connect, what
 * each principal may publish and subscribe, how big a payload may be.
 */
export class Broker {
  readonly #d: BrokerDeps
  #gate: BrokerGate | undefined
  readonly #principals = new WeakMap<Client, Principal>()
  /** Connections that passed authentication and are still open. */
  readonly #authenticated = new Set<Client>()
  readonly #wills = new WeakMap<Client, string>()
  readonly #clientIds = new ClientIds()
  /** Who is on the other end of each logged-in socket (for refusals seen before Aedes reads a packet). */
  readonly #connPrincipals = new WeakMap<Connection, Principal>()
  /** Each socket's source address. */
  readonly #addresses = new WeakMap<Connection, string>()
  #doorway: Doorway | undefined
  readonly #refusals: Refusals
  #pacer: Pacer | undefined
  #logins: LoginGuard | undefined
  readonly #known = new KnownSecrets()
  #aedes: Aedes | undefined
  #shared: SharedBrokerState | undefined
  readonly #reconnected: (() => void)[] = []
  #tcp: Server | undefined
  #tls: TlsServer | undefined

  constructor(deps: BrokerDeps) {
    this.#d = deps
    this.#refusals = new Refusals({ ...deps, windowMs: WINDOW_MS })
  }

  /**
   * Closes every connection whose principal matches (a session that ended, a principal removed):
   * the client must connect again, with credentials that are still good.
   */
  disconnect(match: (principal: Principal) => boolean, reason: string): number {
    let closed = 0
    for (const client of [...this.#authenticated]) {
      const principal = this.#principals.get(client)
      if (!principal || !match(principal)) continue
      this.#d.log.info({ principal: principal.id, reason }, 'connection closed by the gateway')
      client.close()
      closed++
    }
    return closed
  }

  /** Cluster mode: `fn` runs each time the brokers' shared Redis is back after a loss. */
  onSharedReconnect(fn: () => void): void {
    this.#reconnected.push(fn)
  }

  /** The ids of the principals of a kind connected to this node now. */
  connected(kind: Principal['kind']): string[] {
    const ids = new Set<string>()
    for (const client of this.#authenticated) {
      const principal = this.#principals.get(client)
      if (principal?.kind === kind) ids.add(principal.id)
    }
    return [...ids]
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

  /** Listen, asking `gate` who connects and what to do with each publish. */
  async start(gate: BrokerGate): Promise<void> {
    this.#gate = gate
    const { config, clock, scheduler } = this.#d
    this.#logins = new LoginGuard({
      idFailures: config.mqttLoginFailures,
      addressFailures: config.mqttLoginAddressFailures,
      windowMs: WINDOW_MS,
      lockMs: config.mqttLoginLockS * 1000,
      lockMaxMs: config.mqttLoginLockMaxS * 1000,
    })
    this.#pacer = new Pacer({
      limits: {
        ratePerS: config.mqttRatePerS,
        burst: config.mqttBurst,
        alarmRatePerS: config.mqttAlarmRatePerS,
        alarmBurst: config.mqttAlarmBurst,
        dropsBeforeDisconnect: config.mqttBurst * 2,
        maxHeld: config.mqttMaxHeld,
        maxHoldMs: config.mqttHoldMaxS * 1000,
      },
      clock,
      scheduler,
      metrics: this.#d.metrics,
      onDisconnect: (client, reason, detail) =>
        this.#refusals.refused('rate_limited', this.#principals.get(client), { reason, ...detail }),
    })
    this.#doorway = new Doorway({
      limit: config.maxConnections,
      maxPacketBytes: config.maxPayloadBytes + PACKET_OVERHEAD,
      onRefused: (conn, refusal) => this.#frameRefused(conn, refusal),
      onTurnedAway: (conn) => this.#tallied('connection_cap', conn, { limit: config.maxConnections }),
    })
    // cluster mode: every node's broker routes and keeps sessions through the same Redis
    this.#shared = config.redisUrl ? sharedBrokerState(config.redisUrl) : undefined
    this.#shared?.onReconnect(() => {
      this.#d.log.warn('cluster: Redis is back; downlinks of the outage are sent again')
      for (const fn of this.#reconnected) fn()
    })
    const aedes = await Aedes.createBroker({
      ...(this.#shared ? { mq: this.#shared.mq, persistence: this.#shared.persistence } : {}),
      ...(config.nodeId ? { id: config.nodeId } : {}),
      drainTimeout: config.drainTimeoutMs,
      // security: a socket that has not sent its CONNECT within this is closed (Aedes' default is 30 s)
      connectTimeout: config.connectTimeoutMs,
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
        this.#refusals.refused('subscribe_denied', principal, { topic: subscription.topic })
        done(null, null) // SUBACK 0x80 for this filter; the connection stays
      },
    })
    aedes.on('subscribe', (subscriptions, client) => {
      const principal = this.#principals.get(client)
      // Aedes reports a refused filter with the SUBACK's 0x80 in place of its QoS
      const granted = subscriptions.filter((s) => (s.qos as number) !== 0x80).map((s) => s.topic)
      if (!principal || granted.length === 0) return
      try {
        this.#gate?.onSubscribe?.(principal, granted)
      } catch (error) {
        this.#d.log.error({ err: error, principal: principal.id }, 'subscribe hook failed')
      }
    })
    aedes.on('clientError', (client, error) => {
      this.#d.metrics.inc('care_mqtt_client_errors_total')
      this.#d.log.debug({ client: client.id, err: error.message }, 'client error')
      // Aedes refuses a wildcard, empty or too deep topic in a PUBLISH itself, before our policy is
      // asked: it is still a publish outside one's own topics, and the contract wants it audited
      const principal = this.#principals.get(client)
      if (principal && FORBIDDEN_PUBLISH_TOPIC.test(error.message)) {
        this.#refusals.refused('publish_denied', principal, { reason: 'not_a_topic', error: error.message })
      }
    })
    aedes.on('connectionError', (client, error) => {
      this.#d.metrics.inc('care_mqtt_connection_errors_total')
      this.#d.log.debug({ err: error.message }, 'connection error')
      // Aedes' own words for its connect timeout: a socket that never logged in
      if (/connect did not arrive/.test(error.message)) this.#tallied('connect_timeout', client.conn, {})
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
    await this.#shared?.close()
    this.#shared = undefined
    // sockets that never sent a CONNECT are not Aedes' clients yet
    for (const socket of this.#doorway?.sockets() ?? []) socket.destroy()
    this.#refusals.flush()
    await closed
  }

  #accept(conn: Connection, request?: IncomingMessage): void {
    const aedes = this.#aedes
    const doorway = this.#doorway
    if (!aedes || !doorway) return void conn.destroy()
    const address = request?.socket.remoteAddress ?? (conn as { remoteAddress?: string }).remoteAddress
    this.#addresses.set(conn, address ?? 'unknown')
    if (doorway.admit(conn)) aedes.handle(conn, request)
  }

  /** A packet refused on its fixed header: too large, or anything but CONNECT first. */
  #frameRefused(conn: Connection, refusal: FrameRefusal): void {
    const { reason, ...detail } = refusal
    const principal = this.#connPrincipals.get(conn)
    // a logged-in principal answers for itself; before login only the address is known
    if (principal) this.#refusals.refused(reason, principal, detail)
    else this.#tallied(reason, conn, detail)
  }

  async #authenticate(client: Client, username?: string, password?: Buffer): Promise<number> {
    // Over the cap, refuse before spending a hash on the secret: CONNACK 3, "server unavailable".
    // The place was taken when the socket was accepted, so sockets arriving together all fit under the cap.
    if (client.conn.destroyed) return SERVER_UNAVAILABLE // gone already: no CONNACK will be written
    if (!this.#doorway?.placed(client.conn)) {
      this.#tallied('connection_cap', client.conn, { username, limit: this.#d.config.maxConnections })
      return SERVER_UNAVAILABLE
    }
    let code = SERVER_UNAVAILABLE
    try {
      code = await this.#verify(client, username, password)
    } catch (error) {
      this.#d.log.error({ err: error }, 'authentication failed')
    }
    if (code !== 0) this.#doorway?.release(client.conn) // a refused login keeps no place
    return code
  }

  async #verify(client: Client, username?: string, password?: Buffer): Promise<number> {
    if (!username) {
      this.#tallied('bad_credentials', client.conn, { reason: 'no username' })
      return BAD_CREDENTIALS
    }
    const address = this.#addresses.get(client.conn) ?? 'unknown'
    const known = this.#known.has(username, password)
    // security: past too many wrong secrets, refused without checking one (CONNACK 3: try again later)
    const gate = known ? { ok: true as const } : this.#logins?.check(username, address, this.#d.clock.now())
    if (gate && !gate.ok) {
      const key = gate.by === 'id' ? username : address
      this.#tallied(
        'login_locked',
        client.conn,
        { username, by: gate.by, until: gate.until },
        `${gate.by}:${key}`,
      )
      return SERVER_UNAVAILABLE
    }
    const principal = this.#gate ? await this.#gate.authenticate(username, password) : null
    if (!principal) {
      if (known) this.#known.forget(username) // that secret is no longer the device's
      this.#tallied('bad_credentials', client.conn, { username }, username)
      for (const lock of this.#logins?.failed(username, address, this.#d.clock.now()) ?? [])
        this.#refusals.locked(lock)
      return BAD_CREDENTIALS
    }
    this.#logins?.succeeded(username)
    this.#known.remember(username, password)
    const will = this.#wills.get(client)
    if (will !== undefined && !mayWill(principal, will)) {
      this.#refusals.refused('will_denied', principal, { topic: will })
      return NOT_AUTHORIZED
    }
    // security: a session belongs to its principal — another's client id would take over its
    // connection and its queued messages (Aedes keys both by client id alone)
    const owner = this.#clientIds.owner(client.id)
    if (owner !== undefined && owner !== principal.id) {
      this.#refusals.refused('client_id_taken', principal, { clientId: client.id })
      return IDENTIFIER_REJECTED
    }
    // cluster mode: the same rule across the nodes (a session stored in Redis is anyone's node's)
    const shared = this.#shared
    if (shared && !(await shared.claimClientId(client.id, principal.id, client.clean))) {
      this.#refusals.refused('client_id_taken', principal, { clientId: client.id })
      return IDENTIFIER_REJECTED
    }
    if (client.conn.destroyed) {
      shared?.releaseClientId(client.id)
      return SERVER_UNAVAILABLE // gone while its secret was checked
    }
    this.#clientIds.claim(client.id, principal.id, client.clean)
    client.conn.once('close', () => {
      this.#clientIds.release(client.id)
      shared?.releaseClientId(client.id)
    })
    this.#principals.set(client, principal)
    this.#connPrincipals.set(client.conn, principal)
    this.#authenticated.add(client)
    client.conn.once('close', () => this.#authenticated.delete(client))
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
      this.#refusals.refused('payload_too_large', principal, { topic: packet.topic, bytes: size })
      return done(new Error('payload too large'))
    }
    const verdict = mayPublish(principal, packet.topic)
    if (!verdict.ok) {
      this.#refusals.refused('publish_denied', principal, { topic: packet.topic, reason: verdict.reason })
      return done(new Error('not authorized'))
    }
    const topic = verdict.topic
    // A will comes once, as its connection closes: never throttled, or a device cut off for flooding stays online.
    if (client.closed) return void this.#store(principal, topic, packet).then(done)
    this.#pacer?.admit(
      client,
      { alarm: isAlarmMessage(topic), qos: packet.qos, store: () => this.#store(principal, topic, packet) },
      done,
    )
  }

  /** Hand a publish to the gateway; an error (not stored) means no PUBACK, so the device sends it again. */
  async #store(principal: Principal, topic: ParsedTopic, packet: PublishPacket): Promise<Error | null> {
    if (packet.retain && !(topic.kind === 'device' && topic.leaf === 'status')) packet.retain = false
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
    try {
      if (!this.#gate) throw new Error('broker not started')
      await this.#gate.onPublish(principal, topic, payload, packet.qos)
    } catch (error) {
      this.#d.metrics.inc('care_mqtt_store_failures_total')
      this.#d.log.error({ err: error, principal: principal.id, topic: packet.topic }, 'publish not stored')
      return new Error('not stored')
    }
    return null
  }

  #tallied(reason: string, conn: Connection, detail: Record<string, unknown>, key?: string): void {
    this.#refusals.tallied(reason, this.#addresses.get(conn) ?? 'unknown', detail, key)
  }
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
