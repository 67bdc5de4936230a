import type { Session, SessionRepository } from '../../access/ports.ts'
import type { Store } from '../db.ts'
import { Statements } from './statements.ts'

/** Sessions in the `sessions` table: the token's hash, the user or carer, the expiry. */
export class SqliteSessions implements SessionRepository {
  readonly #store: Store
  readonly #sql: Statements

  constructor(store: Store) {
    this.#store = store
    this.#sql = new Statements(store.db)
  }

  async add(session: Session): Promise<void> {
    this.#sql
      .get('INSERT INTO sessions (token_hash, username, carer_id, expires_at) VALUES (?, ?, ?, ?)')
      .run(session.tokenHash, session.username, session.carerId ?? null, session.expiresAt)
  }

  async find(tokenHash: string): Promise<Session | undefined> {
    const row = this.#sql
      .get('SELECT username, carer_id, expires_at FROM sessions WHERE token_hash = ?')
      .get(tokenHash) as { username: string; carer_id: string | null; expires_at: number } | undefined
    if (!row) return undefined
    const session: Session = { tokenHash, username: row.username, expiresAt: row.expires_at }
    if (row.carer_id !== null) session.carerId = row.carer_id
    return session
  }

  async end(tokenHash: string): Promise<boolean> {
    return Number(this.#sql.get('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash).changes) > 0
  }

  async endOfCarer(carerId: string): Promise<string[]> {
    return this.#store.tx(() => {
      const rows = this.#sql.get('SELECT token_hash FROM sessions WHERE carer_id = ?').all(carerId) as {
        token_hash: string
      }[]
      this.#sql.get('DELETE FROM sessions WHERE carer_id = ?').run(carerId)
      return rows.map((r) => r.token_hash)
    })
  }

  async endOfUser(username: string): Promise<number> {
    const ended = this.#sql.get('DELETE FROM sessions WHERE username = ? AND carer_id IS NULL').run(username)
    return Number(ended.changes)
  }
}
