import type { AuditTrail } from '../kernel/observe/audit.ts'
import type { Logger } from '../kernel/observe/log.ts'
import type { Metrics } from '../kernel/observe/metrics.ts'
import type { Clock } from '../kernel/ports/clock.ts'
import type { Scheduler } from '../kernel/ports/scheduler.ts'
import type { Lock } from './logins.ts'
import type { Principal } from './policy.ts'
import { RefusalTally, type TallyRow } from './tally.ts'

export interface RefusalsDeps {
  metrics: Metrics
  log: Logger
  audit: AuditTrail
  clock: Clock
  scheduler: Scheduler
  /** How long a window of refusals anyone can cause is audited as one. */
  windowMs: number
}

/**
 * Every MQTT refusal is counted (`care_mqtt_refused_total`, by reason),
 * logged and audited (contract). Those a principal causes are audited one
 * by one; those anyone can cause at will, per key and window.
 */
export class Refusals {
  readonly #d: RefusalsDeps
  readonly #tally: RefusalTally

  constructor(deps: RefusalsDeps) {
    this.#d = deps
    this.#tally = new RefusalTally(deps.clock, deps.scheduler, deps.windowMs, (row) => this.#row(row))
  }

  /** A logged-in principal's refusal (or one whose secret was right): one audit row each. */
  refused(reason: string, principal: Principal | undefined, detail: Record<string, unknown>): void {
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

  /**
   * A refusal anyone can cause at will (a socket that never logs in, a wrong
   * secret): counted every time, audited once per key — the address unless
   * given — and window, with a count (`RefusalTally`).
   */
  tallied(reason: string, address: string, detail: Record<string, unknown>, key?: string): void {
    this.#d.metrics.inc('care_mqtt_refused_total', { reason })
    const written = this.#tally.note(reason, key ?? address, { ...detail, address })
    if (!written) this.#d.log.debug({ reason, address, ...detail }, 'mqtt refused again')
  }

  /** An id or an address starts a lock: one row each time, so an operator sees who is being guessed at. */
  locked(lock: Lock): void {
    const detail = { by: lock.by, key: lock.key, failures: lock.failures, until: lock.until }
    this.#d.log.warn(detail, 'mqtt logins locked')
    this.#d.audit.record({
      actor: lock.by === 'id' ? lock.key : undefined,
      action: 'mqtt.login_lock',
      source: 'mqtt',
      detail,
    })
  }

  /** Write the open windows' counts (the broker is stopping). */
  flush(): void {
    this.#tally.flush()
  }

  #row(row: TallyRow): void {
    const detail = { ...row.detail, count: row.count, ...(row.to ? { from: row.from, to: row.to } : {}) }
    this.#d.log.warn({ reason: row.action, ...detail }, row.to ? 'mqtt refused, repeatedly' : 'mqtt refused')
    this.#d.audit.record({
      actor: typeof row.detail.username === 'string' ? row.detail.username : undefined,
      action: `mqtt.${row.action}`,
      source: 'mqtt',
      detail,
    })
  }
}
