import type { AuditEntry, AuditTrail } from '../../kernel/observe/audit.ts'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { AuditFilter, AuditRepository, AuditRow, Page } from './ports.ts'

export type { AuditEntry, AuditFilter, AuditRow }

/**
 * The audit trail: refusals, logins and every change by a person, kept,
 * counted and logged. Recording an entry never throws at the caller and never
 * makes it wait: the entry is written through the repository, and a write that
 * fails is counted and logged here.
 */
export class Audit implements AuditTrail {
  readonly #repo: AuditRepository
  readonly #clock: Clock
  readonly #log: Logger
  readonly #metrics: Metrics
  /** The appends one after another, so the trail is numbered in the order things happened here. */
  #written: Promise<void> = Promise.resolve()

  constructor(repo: AuditRepository, clock: Clock, log: Logger, metrics: Metrics) {
    this.#repo = repo
    this.#clock = clock
    this.#log = log
    this.#metrics = metrics
  }

  record(entry: AuditEntry): void {
    this.#metrics.inc('care_audit_total', { action: entry.action })
    const failed = (error: unknown) => {
      this.#metrics.inc('care_audit_errors_total')
      this.#log.error({ err: error, action: entry.action }, 'audit entry not stored')
    }
    const record = { ...entry, at: this.#clock.now() }
    // with a store whose appends overlap (PostgreSQL's pool), unchained entries could take their
    // numbers out of order; the chain costs nothing when each append is settled at once (SQLite)
    this.#written = this.#written.then(async () => {
      try {
        await this.#repo.append(record)
      } catch (error) {
        failed(error) // an adapter that throws, or whose promise rejects
      }
    })
    this.#log.info(
      { audit: entry.action, actor: entry.actor, target: entry.target, detail: entry.detail },
      'audit',
    )
  }

  /**
   * Newest first; `before` is the id of the last entry of the previous page. Entries recorded
   * here before the call are in the answer: the list waits for the appends still under way.
   */
  async list(filter: AuditFilter = {}): Promise<Page<AuditRow>> {
    await this.#written
    return this.#repo.list(filter)
  }
}
