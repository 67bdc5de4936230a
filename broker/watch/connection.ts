import type { Socket } from 'node:net'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Scheduler } from '../../kernel/ports/scheduler.ts'
import { TokenBucket } from '../limits.ts'
import type { DecodedFrame, DeviceProtocol, Dialect, Downlink, FrameSplitter, Split } from './protocol.ts'

/** Per connection: what it may send and hold (docs/devices.md, "Limits"). */
export interface ConnectionLimits {
  /** A frame longer than this is refused as it arrives, never buffered past it. */
  maxFrameBytes: number
  /** Frames read and not yet handled; past it the socket is not read (TCP backpressure). */
  maxQueuedFrames: number
  /** Bad frames, or bytes outside frames, since the last good frame before the connection is closed. */
  badFramesBeforeClose: number
  garbageBytesBeforeClose: number
  /** A socket that has not sent a good frame naming a registered device by then is closed. */
  loginTimeoutMs: number
  /** A device silent this long is closed (it connects again when it has something to say). */
  idleMs: number
  /** Telemetry frames a second and burst; alarm frames a second and burst (the MQTT path's limits). */
  ratePerS: number
  burst: number
  alarmRatePerS: number
  alarmBurst: number
  /** How long a connection may be held back over its rate without a break before it is closed. */
  maxHoldMs: number
}

/** What a connection asks of its listener. */
export interface ConnectionHost {
  protocol: DeviceProtocol
  limits: ConnectionLimits
  clock: Clock
  scheduler: Scheduler
  log: Logger
  metrics: Metrics
  /** Whether `deviceId` may talk here, and what to send it first; null closes the connection. */
  login(conn: WatchConnection, deviceId: string): Promise<{ setup: Downlink[] } | null>
  /** Every reading and scan of the frame stored; a throw means not stored (no reply). */
  store(deviceId: string, frame: DecodedFrame): Promise<void>
  closed(conn: WatchConnection): void
}

/** Bytes a slow reader may leave unread in our send buffer before it is closed. */
const MAX_UNSENT = 256 * 1024

let serials = 0

/**
 * One device's TCP connection: bytes are cut into frames, frames handled one
 * at a time in arrival order — decoded, the device logged in by its first
 * good frame, paced, stored, then answered (store before acknowledge: the
 * reply is the protocol's PUBACK). Reading stops while too many frames wait
 * or the rate holds them back, so a backlog is taken in order, at the rate,
 * and nothing is dropped.
 */
export class WatchConnection {
  readonly socket: Socket
  readonly address: string
  readonly serial = ++serials
  deviceId: string | undefined
  dialect: Dialect = {}
  closed = false
  readonly #host: ConnectionHost
  readonly #splitter: FrameSplitter
  #queue: Buffer[] = []
  #pumping = false
  #paused = false
  #badSinceGood = 0
  #garbageSinceGood = 0
  #lastHeard = 0
  readonly #telemetry: TokenBucket
  readonly #alarms: TokenBucket
  /** Since when frames have waited for the rate without a break; undefined while none does. */
  #heldSince: number | undefined
  #wake: (() => void) | undefined

  constructor(socket: Socket, host: ConnectionHost) {
    this.socket = socket
    this.address = socket.remoteAddress ?? 'unknown'
    this.#host = host
    const { limits, clock } = host
    this.#splitter = host.protocol.splitter(limits.maxFrameBytes)
    const now = clock.now()
    this.#telemetry = new TokenBucket(limits.ratePerS, limits.burst, now)
    this.#alarms = new TokenBucket(limits.alarmRatePerS, limits.alarmBurst, now)
    socket.on('data', (chunk: Buffer) => this.#read(chunk))
    socket.on('error', (error) => {
      host.metrics.inc('care_watch_socket_errors_total')
      host.log.debug({ err: error.message, deviceId: this.deviceId }, 'watch socket error')
    })
    socket.once('close', () => this.#gone())
    host.scheduler.at(this.#key('login'), now + limits.loginTimeoutMs, () => {
      if (!this.deviceId) this.close('login_timeout')
    })
  }

  /** Send frames; false when the connection is gone. */
  write(frames: readonly Buffer[]): boolean {
    if (this.closed) return false
    if (this.socket.writableLength > MAX_UNSENT) {
      this.close('slow_reader')
      return false
    }
    for (const f of frames) this.socket.write(f)
    return true
  }

  close(reason: string): void {
    if (this.closed) return
    this.closed = true
    this.#host.metrics.inc('care_watch_closed_total', { reason })
    this.#host.log.info({ deviceId: this.deviceId, address: this.address, reason }, 'watch connection closed')
    this.socket.destroy()
    this.#wake?.()
  }

  #read(chunk: Buffer): void {
    if (this.closed) return
    const split = this.#splitter.push(chunk)
    this.#account(split)
    if (this.closed) return
    for (const frame of split.frames) this.#queue.push(frame)
    if (this.#queue.length >= this.#host.limits.maxQueuedFrames && !this.#paused) {
      this.#paused = true
      this.socket.pause()
    }
    void this.#pump()
  }

  /** Garbage and broken frames: counted; a connection that sends nothing else is closed. */
  #account(split: Split): void {
    const { metrics, limits } = this.#host
    if (split.garbageBytes > 0) metrics.inc('care_watch_garbage_bytes_total', undefined, split.garbageBytes)
    if (split.halfFrames > 0)
      metrics.inc('care_watch_bad_frames_total', { reason: 'half_frame' }, split.halfFrames)
    if (split.oversize > 0) {
      metrics.inc('care_watch_bad_frames_total', { reason: 'too_large' }, split.oversize)
      this.#host.log.warn(
        { deviceId: this.deviceId, address: this.address },
        'watch frame over the size limit',
      )
    }
    this.#garbageSinceGood += split.garbageBytes
    this.#badSinceGood += split.halfFrames + split.oversize
    if (
      this.#garbageSinceGood > limits.garbageBytesBeforeClose ||
      this.#badSinceGood > limits.badFramesBeforeClose
    )
      this.close('garbage')
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return
    this.#pumping = true
    try {
      for (let frame = this.#queue.shift(); frame && !this.closed; frame = this.#queue.shift()) {
        await this.#handle(frame)
        if (this.#paused && this.#queue.length < this.#host.limits.maxQueuedFrames / 2) {
          this.#paused = false
          this.socket.resume()
        }
      }
      this.#heldSince = undefined
    } catch (error) {
      this.#host.log.error({ err: error, deviceId: this.deviceId }, 'watch frame handling failed')
      this.close('internal')
    } finally {
      this.#pumping = false
    }
  }

  async #handle(frame: Buffer): Promise<void> {
    const host = this.#host
    const decoded = host.protocol.decode(frame, host.clock.now())
    if (!decoded.ok) return this.#bad(decoded.reason, decoded.detail)
    let setup: Downlink[] = []
    if (!this.deviceId) {
      this.dialect = decoded.dialect
      const login = await host.login(this, decoded.deviceId)
      if (!login) return this.close('refused')
      if (this.closed) return
      this.deviceId = decoded.deviceId
      host.scheduler.cancel(this.#key('login'))
      setup = login.setup
    } else if (decoded.deviceId !== this.deviceId) {
      return this.#bad('other_device', decoded.deviceId)
    }
    this.dialect = decoded.dialect
    this.#heard()
    host.metrics.inc('care_watch_frames_total', { kind: decoded.kind })
    for (const note of decoded.notes) host.metrics.inc('care_watch_frame_notes_total', { note })
    if (!(await this.#pace(decoded.alarm))) return
    try {
      await host.store(this.deviceId, decoded)
    } catch (error) {
      // not stored: no reply, so the device sends it again (contract: PUBACK means kept)
      host.metrics.inc('care_watch_store_failures_total')
      host.log.error({ err: error, deviceId: this.deviceId, type: decoded.type }, 'watch frame not stored')
      return
    }
    if (decoded.reply) this.write([decoded.reply])
    if (decoded.answered) host.metrics.inc('care_watch_answers_total')
    for (const command of setup) this.write(host.protocol.encode(this.deviceId, command, this.dialect))
  }

  #bad(reason: string, detail: string): void {
    const { metrics, log, limits } = this.#host
    metrics.inc('care_watch_bad_frames_total', { reason })
    log.debug({ deviceId: this.deviceId, address: this.address, reason, detail }, 'watch frame dropped')
    if (++this.#badSinceGood > limits.badFramesBeforeClose) this.close('garbage')
  }

  /** A good frame: the device is there, its garbage forgiven; the idle deadline moves. */
  #heard(): void {
    const { clock, scheduler, limits } = this.#host
    this.#badSinceGood = 0
    this.#garbageSinceGood = 0
    this.#lastHeard = clock.now()
    // one deadline per connection, moved on only when it fires: a frame costs no timer work
    if (scheduler.dueAt(this.#key('idle')) === undefined) this.#armIdle(this.#lastHeard + limits.idleMs)
  }

  #armIdle(at: number): void {
    const { clock, scheduler, limits } = this.#host
    scheduler.at(this.#key('idle'), at, () => {
      if (this.closed) return
      const due = this.#lastHeard + limits.idleMs
      if (clock.now() >= due) this.close('idle')
      else this.#armIdle(due)
    })
  }

  /**
   * The rate (contract: PUBACK means kept): under it a frame goes at once; a
   * telemetry frame over it waits for its turn, unanswered and with the
   * socket filling up behind it; an alarm frame over its own bucket closes the
   * connection, and the device sends it again when it reconnects.
   */
  async #pace(alarm: boolean): Promise<boolean> {
    const { clock, limits, metrics } = this.#host
    if (alarm) {
      if (this.#alarms.take(clock.now())) return true
      this.close('alarm_rate')
      return false
    }
    if (this.#telemetry.take(clock.now())) return true
    metrics.inc('care_watch_held_total')
    this.#heldSince ??= clock.now()
    for (;;) {
      await this.#until(this.#telemetry.readyAt(clock.now()))
      if (this.closed) return false
      const now = clock.now()
      if (this.#telemetry.take(now)) return true
      if (now - this.#heldSince > limits.maxHoldMs) {
        this.close('held_too_long')
        return false
      }
    }
  }

  /** Wait for the gateway's scheduler to reach `at` (or the connection to close). */
  #until(at: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve
      this.#host.scheduler.at(this.#key('pace'), at, () => resolve())
    })
  }

  #gone(): void {
    this.closed = true
    const { scheduler } = this.#host
    for (const timer of ['login', 'idle', 'pace']) scheduler.cancel(this.#key(timer))
    this.#queue = []
    this.#wake?.()
    this.#host.closed(this)
  }

  #key(timer: string): string {
    return `watch-${timer}:${this.serial}`
  }
}
