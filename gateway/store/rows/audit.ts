import type { AuditFilter, AuditRecord, AuditRow, Page } from '../../observe/ports.ts'
import { Where, type WhereArg } from '../paging.ts'

/** The audit trail as both stores keep it (SQLite, PostgreSQL): one row per entry, numbered as appended. */

export const APPEND_AUDIT =
  'INSERT INTO audit (at, actor, action, target, source, detail) VALUES (?, ?, ?, ?, ?, ?)'

export function auditValues(record: AuditRecord): (string | number | null)[] {
  return [
    record.at,
    record.actor ?? null,
    record.action,
    record.target ?? null,
    record.source ?? null,
    record.detail ? JSON.stringify(record.detail) : null,
  ]
}

/** Rows fetched newest first with `LIMIT limit + 1`: the page, whose `next` is its last entry's number. */
export function auditPage(rows: readonly Record<string, unknown>[], limit: number): Page<AuditRow> {
  const items = rows.slice(0, limit).map(auditRow)
  const last = items.at(-1)
  return rows.length > limit && last ? { items, next: String(last.id) } : { items }
}

function auditRow(r: Record<string, unknown>): AuditRow {
  const row: AuditRow = { id: Number(r.id), at: Number(r.at), action: String(r.action) }
  if (typeof r.actor === 'string') row.actor = r.actor
  if (typeof r.target === 'string') row.target = r.target
  if (typeof r.source === 'string') row.source = r.source
  if (typeof r.detail === 'string') row.detail = JSON.parse(r.detail) as unknown
  return row
}

/**
 * The entries a filter asks for, newest first, one more than the page. `like` is the store's
 * condition for an action matching a LIKE pattern (its one parameter) as SQLite's LIKE does:
 * ASCII letters in either case, no escape character.
 */
export function auditQuery(
  filter: AuditFilter,
  like: string,
): { sql: string; args: WhereArg[]; limit: number } {
  const where = new Where()
  if (filter.actor) where.add('actor = ?', filter.actor)
  // 'mqtt' matches every 'mqtt.*' action
  if (filter.action) where.add(`(action = ? OR ${like})`, filter.action, `${filter.action}.%`)
  if (filter.target) where.add('target = ?', filter.target)
  if (filter.from !== undefined) where.add('at >= ?', filter.from)
  if (filter.to !== undefined) where.add('at < ?', filter.to)
  if (filter.before !== undefined) where.add('id < ?', filter.before)
  const limit = filter.limit ?? 100
  return {
    sql: `SELECT * FROM audit ${where} ORDER BY id DESC LIMIT ?`,
    args: [...where.args, limit + 1],
    limit,
  }
}
