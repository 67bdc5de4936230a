import type { AuditFilter, AuditRecord, AuditRepository, AuditRow, Page } from '../../observe/ports.ts'
import type { Store } from '../db.ts'
import { APPEND_AUDIT, auditPage, auditQuery, auditValues } from '../rows/audit.ts'
import { Statements } from './statements.ts'

/** The `audit` table: one row per entry, numbered by its rowid. */
export class SqliteAudit implements AuditRepository {
  readonly #sql: Statements

  constructor(store: Store) {
    this.#sql = new Statements(store.db)
  }

  async append(record: AuditRecord): Promise<void> {
    this.#sql.get(APPEND_AUDIT).run(...auditValues(record))
  }

  async list(filter: AuditFilter): Promise<Page<AuditRow>> {
    const { sql, args, limit } = auditQuery(filter, 'action LIKE ?')
    return auditPage(this.#sql.get(sql).all(...args) as Record<string, unknown>[], limit)
  }
}
