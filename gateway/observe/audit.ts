import type { Clock } from '../ports/clock.ts'
import type { Store } from '../store/db.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'

export interface AuditEntry {
  actor?: string | undefined
  action: string
  target?: string | undefined
  source?: string | undefined
  detail?: Record<string, unknown> | undefined
}

/**
 * The audit trail: refusals, logins and every change by a person, in the
 * store, counted, and logged. Recording an entry never throws at the caller.
 */
export class Audit {
  readonly #store: Store
  readonly #clock: Clock
  readonly #log: Logger
  readonly #metrics: Metrics

  constructor(store: Store, clock: Clock, log: Logger, metrics: Metrics) {
    this.#store = store
    this.#clock = clock
    this.#log = log
    this.#metrics = metrics
  }

  record(entry: AuditEntry): void {
    this.#metrics.inc('care_audit_total', { action: entry.action })
    try {
      this.#store.db
        .prepare('INSERT INTO audit (at, actor, action, target, source, detail) VALUES (?, ?, ?, ?, ?, ?)')
        .run(
          this.#clock.now(),
          entry.actor ?? null,
          entry.action,
          entry.target ?? null,
          entry.source ?? null,
          entry.detail ? JSON.stringify(entry.detail) : null,
        )
    } catch (error) {
      this.#metrics.inc('care_audit_errors_total')
      this.#log.error({ err: error, action: entry.action }, 'audit entry not stored')
    }
    this.#log.info(
      { audit: entry.action, actor: entry.actor, target: entry.target, detail: entry.detail },
      'audit',
    )
  }

  list(limit = 100): Array<Record<string, unknown>> {
    return this.#store.db.prepare('SELECT * FROM audit ORDER BY id DESC LIMIT ?').all(limit) as Array<
      Record<string, unknown>
    >
  }
}
