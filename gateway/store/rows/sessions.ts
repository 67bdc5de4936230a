import type { Session } from '../../access/ports.ts'

/** Sessions as both stores keep them (SQLite, PostgreSQL): the token's hash, the user or carer, the expiry. */

export const INSERT_SESSION =
  'INSERT INTO sessions (token_hash, username, carer_id, expires_at) VALUES (?, ?, ?, ?)'

export function sessionValues(session: Session): (string | number | null)[] {
  return [session.tokenHash, session.username, session.carerId ?? null, session.expiresAt]
}

/** A session's row (`username`, `carer_id`, `expires_at`) found by its token's hash. */
export function sessionOf(tokenHash: string, row: Record<string, unknown>): Session {
  const session: Session = { tokenHash, username: String(row.username), expiresAt: Number(row.expires_at) }
  if (typeof row.carer_id === 'string') session.carerId = row.carer_id
  return session
}
