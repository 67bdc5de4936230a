import type { Page } from '../../kernel/contract/page.ts'
import type { AuditEntry } from '../../kernel/observe/audit.ts'

export type { Page }

/** An audit entry as kept: when it happened. */
export interface AuditRecord extends AuditEntry {
  at: number
}

/** A kept entry, numbered in the order recorded. */
export interface AuditRow {
  id: number
  at: number
  actor?: string
  action: string
  target?: string
  source?: string
  detail?: unknown
}

export interface AuditFilter {
  actor?: string | undefined
  /** An action, or a prefix of actions: `mqtt` matches every `mqtt.*`. */
  action?: string | undefined
  target?: string | undefined
  from?: number | undefined
  to?: number | undefined
  /** Entries numbered below this one (the previous page's `next`). */
  before?: number | undefined
  limit?: number | undefined
}

/** The audit trail's store: appended to, never rewritten; read newest first. */
export interface AuditRepository {
  append(record: AuditRecord): Promise<void>
  list(filter: AuditFilter): Promise<Page<AuditRow>>
}
