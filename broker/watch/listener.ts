import { readFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import type { RadioScan } from '../../kernel/contract/commands.ts'
import type { DeviceUplink } from '../../kernel/contract/topics.ts'
import type { AuditTrail } from '../../kernel/observe/audit.ts'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Scheduler } from '../../kernel/ports/scheduler.ts'
import { RefusalTally, type TallyRow } from '../tally.ts'
import { type ConnectionLimits, WatchConnection } from './connection.ts'
import type { DecodedFrame, DeviceProtocol, Downlink } from './protocol.ts'

/** What the listener asks of the gateway: who a device is, and what to do with what it says. */
export interface WatchGate {
  /** A registered device of the protocol's kind, with the commands a new one gets first; null refuses it. */
  authenticate(deviceId: string): Promise<{ setup: Downlink[] } | null>
  /**
   * One reading in the contract's shape; stored when it resolves (the reply waits for it). If it
   * throws, the frame is not answered and the device sends it again.
   */
  onReading(deviceId: string, leaf: DeviceUplink, payload: Record<string, unknown>): Promise<void>
  /** Cells and Wi-Fi heard without a fix, kept for a later look-up. */
  onScan(deviceId: string, scan: RadioScan): Promise<void>
  /** The device's connection closed, and no newer one took its place. */
  onClosed(deviceId: string): void
}

export interface WatchOptions extends ConnectionLimits {
  host: string
  port: number
  /** PEM files: the listener speaks TLS when given. */
  tls?: { cert: string; key: string } | undefined
  maxConnections: number
}

export interface WatchListenerDeps {
  options: WatchOptions
  protocol: DeviceProtocol
  clock: Clock
  scheduler: Scheduler
  log: Logger
  metrics: Metrics
  audit: AuditTrail
}

/** Unknown ids are logged and audited once per id and window of this length, counted every time. */
const REFUSAL_WINDOW_MS = 60_000

/**
 * The TCP (or TLS) listener for one device protocol, beside the MQTT broker:
 * the devices' own frames in, the gateway's readings out through a gate it
 * is given at start (as the broker's `BrokerGate`), and commands down. One
 * connection per device: a newer one takes the place of the older.
 */
export class WatchListener {
  readonly #d: WatchListenerDeps
  #gate: WatchGate | undefined
  #server: Server | TlsServer | undefined
  readonly #all = new Set<WatchConnection>()
  readonly #byDevice = new Map<string, WatchConnection>()
  readonly #refusals: RefusalTally
  /** Stopping: connections closed now are the gateway's doing, not the devices' going offline. */
  #stopping = false

  constructor(deps: WatchListenerDeps) {
    this.#d = deps
    this.#refusals = new RefusalTally(deps.clock, deps.scheduler, REFUSAL_WINDOW_MS, (row) =>
      this.#refused(row),
    )
  }

  get port(): number | undefined {
    const address = this.#server?.address()
    return address && typeof address === 'object' ? address.port : undefined
  }

  /** Sockets open now, logged in or not. */
  get connections(): number {
    return this.#all.size
  }

  /** Devices logged in now. */
  get devices(): number {
    return this.#byDevice.size
  }

  connected(deviceId: string): boolean {
    return this.#byDevice.has(deviceId)
  }

  async start(gate: WatchGate): Promise<void> {
    this.#gate = gate
    const { options } = this.#d
    const accept = (socket: Socket) => this.#accept(socket)
    this.#server = options.tls
      ? createTlsServer(
          { cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key), noDelay: true },
          accept,
        )
      : createServer({ noDelay: true }, accept)
    const server = this.#server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port, options.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.#d.log.info(
      { protocol: this.#d.protocol.name, port: this.port, tls: !!options.tls },
      'watch listener up',
    )
  }

  /** Send a command to a device connected here; false when it is not. */
  send(deviceId: string, command: Downlink): boolean {
    const conn = this.#byDevice.get(deviceId)
    if (!conn) return false
    const sent = conn.write(this.#d.protocol.encode(deviceId, command, conn.dialect))
    if (sent) this.#d.metrics.inc('care_watch_commands_total', { command: command.command })
    return sent
  }

  /** Close a device's connection (it was deleted, or is no longer of this protocol's kind). */
  disconnect(deviceId: string, reason: string): void {
    this.#byDevice.get(deviceId)?.close(reason)
  }

  async stop(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    this.#stopping = true
    const closed = server?.listening ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve()
    for (const conn of [...this.#all]) conn.close('stopping')
    this.#refusals.flush()
    await closed
  }

  #accept(socket: Socket): void {
    const { options, metrics } = this.#d
    if (!this.#gate || this.#all.size >= options.maxConnections) {
      metrics.inc('care_watch_refused_total', { reason: 'connection_cap' })
      socket.destroy()
      return
    }
    const gate = this.#gate
    const conn = new WatchConnection(socket, {
      ...this.#d,
      limits: options,
      login: (c, deviceId) => this.#login(gate, c, deviceId),
      store: (deviceId, frame) => store(gate, deviceId, frame),
      closed: (c) => this.#closed(gate, c),
    })
    this.#all.add(conn)
  }

  async #login(
    gate: WatchGate,
    conn: WatchConnection,
    deviceId: string,
  ): Promise<{ setup: Downlink[] } | null> {
    let login: { setup: Downlink[] } | null = null
    try {
      login = await gate.authenticate(deviceId)
    } catch (error) {
      this.#d.log.error({ err: error, deviceId }, 'watch login failed')
      return null
    }
    if (conn.closed) return null
    if (!login) {
      // anyone can send any id: counted every time, logged and audited once per id and minute
      this.#d.metrics.inc('care_watch_refused_total', { reason: 'unknown_device' })
      this.#refusals.note('unknown_device', deviceId, { address: conn.address })
      return null
    }
    const older = this.#byDevice.get(deviceId)
    this.#byDevice.set(deviceId, conn)
    // one connection per device: the newer wins (the older is most likely dead already)
    older?.close('replaced')
    this.#d.metrics.inc('care_watch_logins_total')
    this.#d.log.debug({ deviceId, address: conn.address }, 'watch logged in')
    return login
  }

  #closed(gate: WatchGate, conn: WatchConnection): void {
    this.#all.delete(conn)
    const id = conn.deviceId
    if (id === undefined || this.#byDevice.get(id) !== conn) return
    this.#byDevice.delete(id)
    if (this.#stopping) return
    try {
      gate.onClosed(id)
    } catch (error) {
      this.#d.log.error({ err: error, deviceId: id }, 'watch close not handled')
    }
  }

  #refused(row: TallyRow): void {
    const detail = { ...row.detail, count: row.count, ...(row.to ? { from: row.from, to: row.to } : {}) }
    this.#d.log.warn(
      { reason: row.action, deviceId: row.key, ...detail },
      row.to ? 'watch refused, repeatedly' : 'watch refused',
    )
    this.#d.audit.record({ actor: row.key, action: `watch.${row.action}`, source: 'watch', detail })
  }
}

/** Every reading of the frame, in order, then its scan: all stored before the frame is answered. */
async function store(gate: WatchGate, deviceId: string, frame: DecodedFrame): Promise<void> {
  for (const reading of frame.readings) await gate.onReading(deviceId, reading.leaf, reading.payload)
  if (frame.scan) await gate.onScan(deviceId, frame.scan)
}
