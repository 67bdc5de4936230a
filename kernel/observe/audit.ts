/** One line of the audit trail: who did what to what, from where. */
export interface AuditEntry {
  actor?: string | undefined
  action: string
  target?: string | undefined
  source?: string | undefined
  detail?: Record<string, unknown> | undefined
}

/** Where refusals, logins and people's changes are recorded; recording never throws at the caller. */
export interface AuditTrail {
  record(entry: AuditEntry): void
}
