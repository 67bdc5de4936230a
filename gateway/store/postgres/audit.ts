import type { AuditFilter, AuditRecord, AuditRepository, AuditRow, Page } from '../../observe/ports.ts'
import { APPEND_AUDIT, auditPage, auditQuery, auditValues } from '../rows/audit.ts'
import type { PgStore } from './db.ts'

/**
 * An action prefix matched as SQLite's LIKE matches it: lower() under "C" folds ASCII letters only,
 * and no character escapes (PostgreSQL's LIKE would take a backslash as one).
 */
const ACTION_LIKE = `lower(action COLLATE "C") LIKE lower(? COLLATE "C") ESCAPE ''`

/** The `audit` table in PostgreSQL (cluster mode): one row per entry, numbered by its identity column. */
export class PgAudit implements AuditRepository {
  readonly #store: PgStore

  constructor(store: PgStore) {
    this.#store = store
  }

  async append(record: AuditRecord): Promise<void> {
    await this.#store.run(APPEND_AUDIT, auditValues(record))
  }

  async list(filter: AuditFilter): Promise<Page<AuditRow>> {
    const { sql, args, limit } = auditQuery(filter, ACTION_LIKE)
    return auditPage(await this.#store.rows<Record<string, unknown>>(sql, args), limit)
  }
}
