import type { AuditEntry, AuditTrail } from '../../kernel/observe/audit.ts'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Store } from '../store/db.ts'

export type { AuditEntry }

/**
 * The audit trail: refusals, logins and every change by a person, in the
 * store, counted, and logged. Recording an entry never throws at the caller.
 */
export class Audit implements AuditTrail {
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

  /** Newest first; `before` is the id of the last entry of the previous page. */
  list(filter: AuditFilter = {}): { items: AuditRow[]; next?: string } {
    const where: string[] = []
    const args: (string | number)[] = []
    if (filter.actor) {
      where.push('actor = ?')
      args.push(filter.actor)
    }
    if (filter.action) {
      // 'mqtt' matches every 'mqtt.*' action
      where.push('(action = ? OR action LIKE ?)')
      args.push(filter.action, `${filter.action}.%`)
    }
    if (filter.target) {
      where.push('target = ?')
      args.push(filter.target)
    }
    if (filter.from !== undefined) {
      where.push('at >= ?')
      args.push(filter.from)
    }
    if (filter.to !== undefined) {
      where.push('at < ?')
      args.push(filter.to)
    }
    if (filter.before !== undefined) {
      where.push('id < ?')
      args.push(filter.before)
    }
    const limit = filter.limit ?? 100
    const rows = this.#store.db
      .prepare(
        `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      )
      .all(...args, limit + 1) as Record<string, unknown>[]
    const items = rows.slice(0, limit).map(auditRow)
    const last = items.at(-1)
    return rows.length > limit && last ? { items, next: String(last.id) } : { items }
  }
}

export interface AuditFilter {
  actor?: string | undefined
  action?: string | undefined
  target?: string | undefined
  from?: number | undefined
  to?: number | undefined
  before?: number | undefined
  limit?: number | undefined
}

export interface AuditRow {
  id: number
  at: number
  actor?: string
  action: string
  target?: string
  source?: string
  detail?: unknown
}

function auditRow(r: Record<string, unknown>): AuditRow {
  const row: AuditRow = { id: Number(r.id), at: Number(r.at), action: String(r.action) }
  if (typeof r.actor === 'string') row.actor = r.actor
  if (typeof r.target === 'string') row.target = r.target
  if (typeof r.source === 'string') row.source = r.source
  if (typeof r.detail === 'string') row.detail = JSON.parse(r.detail) as unknown
  return row
}
