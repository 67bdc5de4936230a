import type { AuditFilter, AuditRecord, AuditRepository, AuditRow, Page } from '../../observe/ports.ts'
import type { Store } from '../db.ts'
import { Where } from './paging.ts'
import { Statements } from './statements.ts'

/** The `audit` table: one row per entry, numbered by its rowid. */
export class SqliteAudit implements AuditRepository {
  readonly #sql: Statements

  constructor(store: Store) {
    this.#sql = new Statements(store.db)
  }

  async append(record: AuditRecord): Promise<void> {
    this.#sql
      .get('INSERT INTO audit (at, actor, action, target, source, detail) VALUES (?, ?, ?, ?, ?, ?)')
      .run(
        record.at,
        record.actor ?? null,
        record.action,
        record.target ?? null,
        record.source ?? null,
        record.detail ? JSON.stringify(record.detail) : null,
      )
  }

  async list(filter: AuditFilter): Promise<Page<AuditRow>> {
    const where = new Where()
    if (filter.actor) where.add('actor = ?', filter.actor)
    // 'mqtt' matches every 'mqtt.*' action
    if (filter.action) where.add('(action = ? OR action LIKE ?)', filter.action, `${filter.action}.%`)
    if (filter.target) where.add('target = ?', filter.target)
    if (filter.from !== undefined) where.add('at >= ?', filter.from)
    if (filter.to !== undefined) where.add('at < ?', filter.to)
    if (filter.before !== undefined) where.add('id < ?', filter.before)
    const limit = filter.limit ?? 100
    const rows = this.#sql
      .get(`SELECT * FROM audit ${where} ORDER BY id DESC LIMIT ?`)
      .all(...where.args, limit + 1) as Record<string, unknown>[]
    const items = rows.slice(0, limit).map(auditRow)
    const last = items.at(-1)
    return rows.length > limit && last ? { items, next: String(last.id) } : { items }
  }
}

function auditRow(r: Record<string, unknown>): AuditRow {
  const row: AuditRow = { id: Number(r.id), at: Number(r.at), action: String(r.action) }
  if (typeof r.actor === 'string') row.actor = r.actor
  if (typeof r.target === 'string') row.target = r.target
  if (typeof r.source === 'string') row.source = r.source
  if (typeof r.detail === 'string') row.detail = JSON.parse(r.detail) as unknown
  return row
}
