import { sameText, sha256 } from '../kernel/hash.ts'

export interface LoginLimits {
  /** Wrong secrets for one id within `windowMs` before that id is locked. */
  idFailures: number
  /** Wrong secrets from one address within `windowMs` (any ids) before that address is locked. */
  addressFailures: number
  windowMs: number
  /** The first lock; each further one doubles, up to `lockMaxMs`. */
  lockMs: number
  lockMaxMs: number
}

interface Entry {
  windowStart: number
  failures: number
  lockedUntil: number
  /** Locks so far: the next one lasts `lockMs` × 2^level. */
  level: number
  lastFailureAt: number
}

export type LoginGate = { ok: true } | { ok: false; by: 'id' | 'address'; until: number }
export interface Lock {
  by: 'id' | 'address'
  key: string
  failures: number
  until: number
}

/**
 * Failed MQTT logins, per id and per source address, on the gateway's clock
 * (security: guessing secrets). Past the threshold a key is locked for a
 * short, growing time, during which its logins are refused without their
 * secret being checked. What keeps an attacker from locking the owner out:
 * an id's lock does not apply to an address with no failures of its own in
 * the window (the device, from wherever it is), and neither lock applies to
 * a secret that has already logged in since start (`KnownSecrets`).
 */
export class LoginGuard {
  readonly #l: LoginLimits
  readonly #ids = new Map<string, Entry>()
  readonly #addresses = new Map<string, Entry>()
  #sweepAt = 1_000

  constructor(limits: LoginLimits) {
    this.#l = limits
  }

  /** May this login have its secret checked? */
  check(id: string, address: string, now: number): LoginGate {
    const byAddress = this.#addresses.get(address)
    if (byAddress && byAddress.lockedUntil > now)
      return { ok: false, by: 'address', until: byAddress.lockedUntil }
    const byId = this.#ids.get(id)
    if (!byId || byId.lockedUntil <= now) return { ok: true }
    // an address that has not failed in this window is not the one guessing: it may try
    if (!this.#failing(byAddress, now)) return { ok: true }
    return { ok: false, by: 'id', until: byId.lockedUntil }
  }

  /** A wrong secret (or an unknown id): counted; the locks it starts, if any. */
  failed(id: string, address: string, now: number): Lock[] {
    const locks: Lock[] = []
    const idLock = this.#fail(this.#ids, id, now, this.#l.idFailures)
    if (idLock) locks.push({ by: 'id', key: id, ...idLock })
    const addressLock = this.#fail(this.#addresses, address, now, this.#l.addressFailures)
    if (addressLock) locks.push({ by: 'address', key: address, ...addressLock })
    if (this.#ids.size + this.#addresses.size > this.#sweepAt) this.#sweep(now)
    return locks
  }

  /** The right secret: the id's failures and lock are forgotten (its lock level is kept a while). */
  succeeded(id: string): void {
    const entry = this.#ids.get(id)
    if (!entry) return
    entry.failures = 0
    entry.lockedUntil = 0
  }

  get size(): number {
    return this.#ids.size + this.#addresses.size
  }

  #failing(entry: Entry | undefined, now: number): boolean {
    return entry !== undefined && entry.failures > 0 && now - entry.windowStart <= this.#l.windowMs
  }

  #fail(map: Map<string, Entry>, key: string, now: number, threshold: number) {
    let entry = map.get(key)
    if (!entry) {
      entry = { windowStart: now, failures: 0, lockedUntil: 0, level: 0, lastFailureAt: now }
      map.set(key, entry)
    }
    // quiet for longer than the longest lock: start again from the shortest
    if (now - entry.lastFailureAt > this.#l.lockMaxMs) entry.level = 0
    if (now - entry.windowStart > this.#l.windowMs) {
      entry.windowStart = now
      entry.failures = 0
    }
    entry.failures++
    entry.lastFailureAt = now
    if (entry.failures < threshold) return undefined
    const failures = entry.failures
    const lockMs = Math.min(this.#l.lockMs * 2 ** entry.level, this.#l.lockMaxMs)
    entry.level++
    entry.lockedUntil = now + lockMs
    entry.failures = 0
    entry.windowStart = entry.lockedUntil // the next window opens when the lock ends
    return { failures, until: entry.lockedUntil }
  }

  /** Forget keys that are neither locked nor remembered for a growing lock. */
  #sweep(now: number): void {
    for (const map of [this.#ids, this.#addresses]) {
      for (const [key, entry] of map) {
        if (entry.lockedUntil <= now && now - entry.lastFailureAt > this.#l.lockMaxMs) map.delete(key)
      }
    }
    this.#sweepAt = Math.max(1_000, 2 * this.size)
  }
}

/**
 * Secrets that have logged in since start, one per id, as sha256 digests
 * (the registry keeps the same for its own cache). A login with one of them
 * goes past the locks: whoever holds it is the owner, and guessing cannot
 * produce it.
 */
export class KnownSecrets {
  readonly #digests = new Map<string, string>()

  has(id: string, secret: Buffer | undefined): boolean {
    const digest = this.#digests.get(id)
    return digest !== undefined && sameText(digest, this.#digest(id, secret))
  }

  remember(id: string, secret: Buffer | undefined): void {
    this.#digests.set(id, this.#digest(id, secret))
  }

  /** Its secret was refused (changed since): it no longer goes past the locks. */
  forget(id: string): void {
    this.#digests.delete(id)
  }

  #digest(id: string, secret: Buffer | undefined): string {
    return sha256(`${id}\u0000${secret?.toString('utf8') ?? ''}`)
  }
}
