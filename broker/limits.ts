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
    const elapsed = Math.max(0, now - this.#at)
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed / 1000) * this.#rate)
    this.#at = Math.max(this.#at, now)
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}

export interface RateLimits {
  /** Telemetry (loc, vitals, status, carer loc): messages a second, and the burst allowed. */
  ratePerS: number
  burst: number
  /** Alarm messages (sos, event, cancel, duty, reply) have their own, smaller bucket. */
  alarmRatePerS: number
  alarmBurst: number
  /** Telemetry dropped in a row before the connection is closed. */
  dropsBeforeDisconnect: number
}

export type Verdict = 'pass' | 'drop' | 'disconnect'

/**
 * One principal's limits. Telemetry over the rate is dropped (acknowledged,
 * not stored); a flood that keeps going is disconnected. An alarm message is
 * never dropped after a PUBACK: over its own bucket the connection closes,
 * so a real device retransmits it later.
 */
export class PrincipalLimiter {
  readonly #limits: RateLimits
  readonly #telemetry: TokenBucket
  readonly #alarms: TokenBucket
  #drops = 0

  constructor(limits: RateLimits, now: number) {
    this.#limits = limits
    this.#telemetry = new TokenBucket(limits.ratePerS, limits.burst, now)
    this.#alarms = new TokenBucket(limits.alarmRatePerS, limits.alarmBurst, now)
  }

  check(alarm: boolean, now: number): Verdict {
    if (alarm) return this.#alarms.take(now) ? 'pass' : 'disconnect'
    if (this.#telemetry.take(now)) {
      this.#drops = 0
      return 'pass'
    }
    this.#drops++
    return this.#drops > this.#limits.dropsBeforeDisconnect ? 'disconnect' : 'drop'
  }
}
