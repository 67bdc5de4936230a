/**
 * A token bucket: `rate` tokens a second up to `burst`; time comes from the
 * caller (the gateway's clock). A clock set back refills nothing and takes nothing.
 */
export class TokenBucket {
  readonly #rate: number
  readonly #burst: number
  #tokens: number
  #at: number

  constructor(rate: number, burst: number, now: number) {
    this.#rate = rate
    this.#burst = burst
    this.#tokens = burst
    this.#at = now
  }

  take(now: number): boolean {
    this.#refill(now)
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }

  /** When the next token is there: `now` if one is. */
  readyAt(now: number): number {
    this.#refill(now)
    if (this.#tokens >= 1) return now
    return this.#at + Math.ceil(((1 - this.#tokens) / this.#rate) * 1000)
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#at)
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed / 1000) * this.#rate)
    this.#at = Math.max(this.#at, now)
  }
}

export interface RateLimits {
  /** Telemetry (loc, vitals, status, carer loc): messages a second, and the burst allowed. */
  ratePerS: number
  burst: number
  /** Alarm messages (sos, event, cancel, duty, reply) have their own, smaller bucket. */
  alarmRatePerS: number
  alarmBurst: number
  /** QoS 0 telemetry dropped in a row before the connection is closed. */
  dropsBeforeDisconnect: number
  /** QoS 1 telemetry held back (not acknowledged yet) at once before the connection is closed. */
  maxHeld: number
  /** How long a connection may be held back without a break before it is closed. */
  maxHoldMs: number
}

/**
 * `hold`: over the rate, a QoS 1 publish waits, unacknowledged, for a token
 * (backpressure); `drop`: QoS 0 over the rate is thrown away and counted;
 * the others close the connection, and say why.
 */
export type Verdict = 'pass' | 'hold' | 'drop' | Disconnect
export type Disconnect = 'alarm_rate' | 'flood' | 'held_too_many' | 'held_too_long'

/**
 * One connection's limits (contract: PUBACK means kept). Telemetry over the
 * rate is held back at QoS 1 and dropped at QoS 0; a flood that keeps going
 * is disconnected. An alarm message is never dropped and never waits behind
 * telemetry: over its own bucket the connection closes, so a real device
 * retransmits it later.
 */
export class PrincipalLimiter {
  readonly #limits: RateLimits
  readonly #telemetry: TokenBucket
  readonly #alarms: TokenBucket
  #drops = 0
  /** When the connection was first held back without a break since; undefined while nothing waits. */
  #heldSince: number | undefined

  constructor(limits: RateLimits, now: number) {
    this.#limits = limits
    this.#telemetry = new TokenBucket(limits.ratePerS, limits.burst, now)
    this.#alarms = new TokenBucket(limits.alarmRatePerS, limits.alarmBurst, now)
  }

  /**
   * `held`: how many of this connection's publishes wait now. While any
   * wait, a new QoS 1 publish waits behind them, so a device's telemetry is
   * stored in the order it was sent.
   */
  check(alarm: boolean, qos: number, now: number, held: number): Verdict {
    if (alarm) return this.#alarms.take(now) ? 'pass' : 'alarm_rate'
    if (held === 0 && this.#telemetry.take(now)) {
      this.#drops = 0
      return 'pass'
    }
    if (qos === 0) {
      this.#drops++
      return this.#drops > this.#limits.dropsBeforeDisconnect ? 'flood' : 'drop'
    }
    if (held >= this.#limits.maxHeld) return 'held_too_many'
    if (this.heldTooLong(now)) return 'held_too_long'
    this.#heldSince ??= now
    return 'hold'
  }

  /** A token for the oldest held publish, if the rate allows one now. */
  release(now: number): boolean {
    return this.#telemetry.take(now)
  }

  /** When the next held publish may go. */
  nextAt(now: number): number {
    return this.#telemetry.readyAt(now)
  }

  /** Nothing waits any more: the next wait starts a new hold. */
  drained(): void {
    this.#heldSince = undefined
  }

  heldTooLong(now: number): boolean {
    return this.#heldSince !== undefined && now - this.#heldSince > this.#limits.maxHoldMs
  }
}
